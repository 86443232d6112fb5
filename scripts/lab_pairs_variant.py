#!/usr/bin/env python3
"""Preference-pair sets derived from a pairs folder (docs/preference-data.md), for the lab's Table 5 analog.

  clean  SRC OUT --count N --seed S       the first N pairs of a seeded shuffle of SRC, labels unchanged
  noisy  SRC OUT --flip F --seed S        every pair of SRC; a seeded shuffle picks round(F * n) of them whose
                                          chosen and rejected images are swapped (a judge wrong on a fraction F)
  synthetic PROMPTS RENDERS OUT --seed S  smoke mode only: chosen = the ground-truth render of a prompt, rejected =
                                          the render of another prompt of the set (so every pair is a real
                                          correct/incorrect pair without a trained base)

The rule is fixed and seeded (Python's random.Random(seed).shuffle over the pairs in file order), so a rerun writes
the same folder. Each output line keeps its source fields and gains "variant" (and "flipped": "0"/"1" for noisy).
OUT must not exist (the same refusal as the pairs writer), and images are copied, so OUT stands alone.
"""
import argparse
import json
import os
import random
import shutil
import sys


def read_pairs(src):
    with open(os.path.join(src, "pairs.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_pairs(out, src, pairs):
    os.makedirs(os.path.join(out, "images"))
    with open(os.path.join(out, "pairs.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for i, pair in enumerate(pairs):
            for side in ("chosen", "rejected"):
                name = "images/%06d-%s.png" % (i, side)
                shutil.copyfile(os.path.join(src, pair[side]), os.path.join(out, name))
                pair[side] = name
            f.write(json.dumps(pair) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["clean", "noisy", "synthetic"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--count", type=int)
    parser.add_argument("--flip", type=float)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = args.paths[-1]
    if os.path.exists(os.path.join(out, "pairs.jsonl")):
        sys.exit("error: %s/pairs.jsonl exists" % out)

    rng = random.Random(args.seed)
    if args.mode == "synthetic":
        prompts_file, renders = args.paths[0], args.paths[1]
        with open(prompts_file, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        pairs = []
        for i, entry in enumerate(entries):
            other = entries[(i + 1 + rng.randrange(len(entries) - 1)) % len(entries)]
            pairs.append({"prompt": entry["prompt"], "chosen": "%s_s0.png" % entry["id"],
                          "rejected": "%s_s0.png" % other["id"], "variant": "synthetic"})
        write_pairs(out, renders, pairs)
    else:
        src = args.paths[0]
        pairs = read_pairs(src)
        order = list(range(len(pairs)))
        rng.shuffle(order)
        if args.mode == "clean":
            if args.count is None or not 0 < args.count <= len(pairs):
                sys.exit("error: --count must be in 1..%d" % len(pairs))
            chosen = [dict(pairs[i], variant="clean") for i in sorted(order[:args.count])]
        else:
            if args.flip is None or not 0 <= args.flip <= 1:
                sys.exit("error: --flip must be in 0..1")
            flipped = set(order[:round(args.flip * len(pairs))])
            chosen = []
            for i, pair in enumerate(pairs):
                pair = dict(pair, variant="noisy", flipped="1" if i in flipped else "0")
                if i in flipped:
                    pair["chosen"], pair["rejected"] = pair["rejected"], pair["chosen"]
                chosen.append(pair)
        write_pairs(out, src, chosen)
    print("wrote %d pairs to %s" % (len(chosen if args.mode != "synthetic" else pairs), out))


if __name__ == "__main__":
    main()
