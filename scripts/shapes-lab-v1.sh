#!/usr/bin/env bash
# Protocol v1 (the run in docs/lab.md), kept as it ran; scripts/shapes-lab.sh is protocol v2.
# The ShapesEval lab end to end: base model from scratch, preference pairs from its samples, the fine-tunes
# (CHATS, Diffusion-DPO, Table 4 variants), the guidance rule, the evaluation and the docs/ artifacts.
# Every stage resumes: training continues from its last checkpoint, generation keeps the images already written,
# and a stage whose output exists is skipped. Usage: scripts/shapes-lab.sh [stage ...]  (default: all stages)
# Environment: LAB (work folder, default .chats/lab), CHATS (the CLI, default ./chats), THREADS (libtorch threads, 2).
set -euo pipefail
cd "$(dirname "$0")/.."

LAB=${LAB:-.chats/lab}
CHATS=${CHATS:-./chats}
THREADS=${THREADS:-2}
PUBLIC=${PUBLIC:-../shared/shapes-benchmark/prompts-public.jsonl}
STEPS=20                                     # sampling steps, DDIM, for every method
METHODS=(chats dpo finetune-all finetune-preferred chats-no-ref)
FT_STEPS=${FT_STEPS:-300}
FT_BATCH=${FT_BATCH:-16}
FT_LR=${FT_LR:-3e-5}
GRID=1,3,5,7.5                              # the guidance grid every method is searched over
GRID_IDS=${GRID_IDS:-single_object-00,two_object-00,counting-00,colors-00,position-00,color_attr-00}
VAL_SEEDS=10                                 # validation seed: noise seeds 1,000,000 + line, clear of seeds 0-3
mkdir -p "$LAB"

# mode and alpha a fine-tuned method is sampled with: two-model methods with the CHATS proxy prompt, one-model methods with CFG.
mode_of() { case "$1" in chats|chats-no-ref) echo chats;; *) echo cfg;; esac; }
model_of() { if [ "$1" = standard ]; then echo "$LAB/base"; else echo "$LAB/ft-$1"; fi; }

stage_base() {
  $CHATS train base --out "$LAB/base" --scenes 40000 --vae-steps 600 --vae-batch-size 16 --steps 4000 --batch-size 32 \
    --lr 4e-4 --checkpoint-every 200 --seed 0 --threads "$THREADS"
}

stage_validation() {
  [ -f "$LAB/validation.jsonl" ] || $CHATS lab validation-prompts --per-category 8 --seed 7 --out "$LAB/validation.jsonl"
}

# The guidance rule: best overall on the validation prompts over the fixed grid, ties to the smaller s.
select_guidance() { # name
  local name=$1 file="$LAB/guidance/$1.txt"
  mkdir -p "$LAB/guidance"
  if [ ! -f "$file" ]; then
    OMP_NUM_THREADS=1 $CHATS lab select-guidance --model "$(model_of "$name")" --mode "$(mode_of "$name")" \
      --prompts "$LAB/validation.jsonl" --seeds $VAL_SEEDS --grid $GRID --steps $STEPS --out "$LAB/select/$name" > "$file.tmp"
    mv "$file.tmp" "$file"
  fi
  sed -n 's/^chosen guidance s = //p' "$file"
}

stage_pairs() {
  [ -f "$LAB/pairs/pairs.jsonl" ] && return 0
  local s; s=$(select_guidance standard)
  $CHATS lab pairs --model "$LAB/base" --guidance "$s" --steps $STEPS --prompts-count 400 --per-prompt 8 --seed 1 --out "$LAB/pairs"
}

stage_finetune() {
  for m in "${METHODS[@]}"; do
    $CHATS train preference --model "$LAB/base" --data "$LAB/pairs" --method "$m" --steps "$FT_STEPS" --batch-size "$FT_BATCH" \
      --lr "$FT_LR" --beta 1000 --p-uncond 0.5 --null-conditioning empty-prompt --checkpoint-every 100 --seed 0 \
      --threads "$THREADS" --out "$LAB/ft-$m"
  done
}

evaluate() { # name mode s alpha seeds folder
  local name=$1 mode=$2 s=$3 alpha=$4 seeds=$5 dir=$6
  local args=(--model "$(model_of "$name")" --mode "$mode" --guidance "$s" --steps $STEPS --prompts "$PUBLIC" --seeds "$seeds" --images "$dir/images")
  [ "$mode" = cfg ] || args+=(--alpha "$alpha")
  mkdir -p "$dir"
  # One libtorch thread per model worker: two requests in flight keep both cores busy without OpenMP contention.
  [ -f "$dir/score.txt" ] || OMP_NUM_THREADS=1 $CHATS lab eval "${args[@]}" > "$dir/score.txt"
  [ -f "$dir/score.json" ] || $CHATS lab score --prompts "$PUBLIC" --images "$dir/images" --seeds "$seeds" --json "$dir/score.json" > /dev/null
}

stage_eval() {
  # The main comparison on all four seeds.
  for name in standard dpo chats; do
    evaluate "$name" "$(mode_of "$name")" "$(select_guidance "$name")" 0.5 0,1,2,3 "$LAB/eval/$name"
  done
  # Fig. 3 (alpha sweep of CHATS at its chosen guidance) and Table 4, on seed 0 (the CPU budget).
  local s; s=$(select_guidance chats)
  for a in 0 0.25 0.75 1; do
    evaluate chats chats "$s" "$a" 0 "$LAB/eval/alpha/$a"
  done
  for name in finetune-all finetune-preferred chats-no-ref; do
    evaluate "$name" "$(mode_of "$name")" "$(select_guidance "$name")" 0.5 0 "$LAB/eval/$name"
  done
  evaluate chats-no-ref chats "$(select_guidance chats-no-ref)" 0 0 "$LAB/eval/chats-no-ref-alpha0"
  # Seed-0 scores of the four-seed runs, for the seed-0 tables and the plot.
  for name in standard dpo chats; do
    [ -f "$LAB/eval/$name/score-s0.json" ] || $CHATS lab score --prompts "$PUBLIC" --images "$LAB/eval/$name/images" --seeds 0 --json "$LAB/eval/$name/score-s0.json" > /dev/null
  done
}

overall_of() { sed -n 's/.*"overall": *\([0-9.]*\).*/\1/p' "$1" | head -1; }

# --result NAME=FILE for each pair whose file exists (a row not run yet is left out, not faked).
results() { while [ $# -gt 0 ]; do [ -f "$2" ] && printf -- '--result\0%s=%s\0' "$1" "$2"; shift 2; done; }

stage_docs() {
  mkdir -p docs/lab
  # Main comparison, seeds 0-3.
  $CHATS lab table --baseline "Standard + CFG" --out docs/lab/results.md \
    --result "Standard + CFG=$LAB/eval/standard/score.json" \
    --result "Diffusion-DPO + CFG=$LAB/eval/dpo/score.json" \
    --result "CHATS (proxy, α 0.5)=$LAB/eval/chats/score.json"
  # Table 4 variants, seed 0.
  local t=()
  mapfile -d '' t < <(results \
    "Standard + CFG" "$LAB/eval/standard/score-s0.json" \
    "One model, all images (plain fine-tune) + CFG" "$LAB/eval/finetune-all/score.json" \
    "One model, preferred images only + CFG" "$LAB/eval/finetune-preferred/score.json" \
    "Two models, no reference, α 0" "$LAB/eval/chats-no-ref-alpha0/score.json" \
    "Two models, no reference, α 0.5" "$LAB/eval/chats-no-ref/score.json" \
    "CHATS, α 0" "$LAB/eval/alpha/0/score.json" \
    "CHATS, α 0.5" "$LAB/eval/chats/score-s0.json")
  $CHATS lab table --baseline "Standard + CFG" --out docs/lab/table4.md "${t[@]}"
  # Fig. 3: alpha sweep, seed 0, against Standard + CFG on seed 0.
  local a=()
  mapfile -d '' a < <(results 0 "$LAB/eval/alpha/0/score.json" 0.25 "$LAB/eval/alpha/0.25/score.json" \
    0.5 "$LAB/eval/chats/score-s0.json" 0.75 "$LAB/eval/alpha/0.75/score.json" 1 "$LAB/eval/alpha/1/score.json")
  $CHATS lab plot --x-label alpha --out docs/lab/alpha.png "${a[@]}" \
    --reference "Standard + CFG=$(overall_of "$LAB/eval/standard/score-s0.json")"
  # Fig. 4: prompts x methods, seed 0.
  $CHATS lab grid --prompts "$PUBLIC" --ids "$GRID_IDS" --seed 0 --scale 3 --out docs/lab/grid.png \
    --column "Standard=$LAB/eval/standard/images" --column "Diffusion-DPO=$LAB/eval/dpo/images" --column "CHATS=$LAB/eval/chats/images"
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(base validation pairs finetune eval docs)
for stage in "${stages[@]}"; do
  echo "== $stage" >&2
  "stage_$stage"
done
