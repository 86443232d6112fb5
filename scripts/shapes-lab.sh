#!/usr/bin/env bash
# The ShapesEval lab, protocol v2 (issue #12). Protocol v1, the run docs/lab.md describes, is scripts/shapes-lab-v1.sh.
#
# Stages (scripts/shapes-lab.sh [stage ...], default: all, in this order):
#   base        the ε-prediction base from scratch (chats train base; UNet size from UNET_CHANNELS / LAYERS)
#   validation  VAL_PER_CAT prompts per category (≥ 48 → ≥ 288), prompt seed VAL_PROMPT_SEED, never a prompt text of
#               prompts-public.jsonl where the grammar leaves others (only color_attr does: the other five categories
#               are entirely in the public set, so there the validation set differs by noise seed, VAL_SEEDS ≥ 10)
#   pairs       the base's guidance by the rule, then lab pairs (per-category budget: MIN_PAIRS_PER_CATEGORY, MAX_IMAGES_PER_PROMPT)
#   search      the same search for every method on the validation set: s over GUIDANCE_GRID for each method; for
#               DPO and CHATS each (lr, β, steps) of LR_GRID × BETA_GRID × STEPS_GRID (the same grid for both; CHATS
#               at α 0.5), the best overall wins; then α over ALPHA_GRID (× s) for the chosen CHATS config.
#               Ties go to the earlier grid point (smaller s, then smaller α, then grid order of the configs).
#   eval        once on prompts-public.jsonl, EVAL_SEEDS: Standard, DPO, CHATS at their chosen settings; lab compare
#   alpha       CHATS at its chosen s, α over 0, 0.25, 0.5, 0.75, 1 (Fig. 3), ABL_SEEDS
#   table4      one model all images, one model preferred only, two models without reference (α 0 and 0.5), CHATS
#               α 0 and 0.5; every fine-tune with CHATS's chosen (lr, β, steps); s by the rule; ABL_SEEDS
#   table5      CHATS and DPO on a small clean set (CLEAN_FRACTION of the pairs, seeded subsample) and on a large
#               noisy set (all pairs, NOISE_FRACTION of them with chosen and rejected swapped, seeded):
#               scripts/lab_pairs_variant.py; each method's chosen (lr, β, steps, s, α); ABL_SEEDS
#   flow        the flow-matching arm: base --flow, its pairs, CHATS and DPO with CHATS's chosen (lr, β, steps) and
#               the s (and α) rule on validation, evaluated on EVAL_SEEDS with the pipeline's own flow-match
#               scheduler (lab eval uses the scheduler of the model folder)
#   docs        tables, plot and grid into DOCS (docs/lab in a real run; $LAB/docs in smoke mode)
# Every stage resumes: training continues from its last checkpoint, generation keeps the images already written,
# and a step whose output exists is skipped, so rerunning the same command after a stop continues the run.
#
# Environment (defaults in brackets): LAB [.chats/lab2], CHATS [./chats], THREADS [2], PUBLIC [prompts-public.jsonl],
# UNET_CHANNELS [32,64,128], LAYERS [2], SCENES [40000], VAE_STEPS [600], BASE_STEPS [8000], PAIR_PROMPTS [600],
# PER_PROMPT [8], MIN_PAIRS_PER_CATEGORY [300], MAX_IMAGES_PER_PROMPT [32], VAL_PER_CAT [48], VAL_PROMPT_SEED [11],
# VAL_SEEDS [10], GUIDANCE_GRID [1,3,5,7.5], ALPHA_GRID [0,0.25,0.5,0.75,1], LR_GRID [1e-5,3e-5],
# BETA_GRID [1000,5000], STEPS_GRID [300,600], FT_BATCH [16], EVAL_SEEDS [0,1,2,3], ABL_SEEDS [0,1],
# CLEAN_FRACTION [0.25], NOISE_FRACTION [0.3], DOCS [docs/lab].
# SMOKE=1: every stage end to end with tiny budgets (a few steps, 2 prompts per category, 1 seed, 2-point grids) in
# a fresh temporary LAB; it proves the mechanics, not the numbers. A base of a few steps judges no sample correct,
# so in smoke mode an empty pairs set is replaced by synthetic pairs (ground-truth render vs another prompt's
# render, scripts/lab_pairs_variant.py synthetic); a real run never does this.
# Cost of the search in a real run: per method, |configs| × |GUIDANCE_GRID| × 6·VAL_PER_CAT images, plus
# |ALPHA_GRID| × |GUIDANCE_GRID| × 6·VAL_PER_CAT for CHATS; with the defaults 8 × 4 × 288 = 9,216 (+ 5,760).
# Measured on the 2-core CPU (shared): UNet training at batch 32, median s/step: (32,64)x2 0.33, (32,64,128)x2 0.51,
# (48,96,96)x2 0.65, (64,128)x2 0.85; CFG sampling, 20 DDIM steps: 2.9, 2.2, 2.0, 2.0 images/s. So the defaults are
# many CPU hours (the search alone ~2 h per method): trim LR_GRID / BETA_GRID / STEPS_GRID to fit a session.
# Snapshots of the search (each fine-tune folder at each STEPS_GRID point, without optimizer.bin) take ~55 MB each at (32,64,128).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SMOKE:-0}" = 1 ]; then
  LAB=${LAB:-$(mktemp -d /tmp/shapes-lab-smoke.XXXXXX)}
  UNET_CHANNELS=${UNET_CHANNELS:-16,32}; LAYERS=${LAYERS:-1}
  SCENES=${SCENES:-64}; VAE_STEPS=${VAE_STEPS:-2}; VAE_BATCH=${VAE_BATCH:-4}; BASE_STEPS=${BASE_STEPS:-3}; BASE_BATCH=${BASE_BATCH:-4}
  PAIR_PROMPTS=${PAIR_PROMPTS:-6}; PER_PROMPT=${PER_PROMPT:-2}; MIN_PAIRS_PER_CATEGORY=${MIN_PAIRS_PER_CATEGORY:-1}; MAX_IMAGES_PER_PROMPT=${MAX_IMAGES_PER_PROMPT:-4}
  VAL_PER_CAT=${VAL_PER_CAT:-2}; GUIDANCE_GRID=${GUIDANCE_GRID:-1,3}; ALPHA_GRID=${ALPHA_GRID:-0,0.5}
  LR_GRID=${LR_GRID:-1e-5,3e-5}; BETA_GRID=${BETA_GRID:-1000}; STEPS_GRID=${STEPS_GRID:-1,2}; FT_BATCH=${FT_BATCH:-2}
  EVAL_SEEDS=${EVAL_SEEDS:-0}; ABL_SEEDS=${ABL_SEEDS:-0}; SAMPLE_STEPS=${SAMPLE_STEPS:-2}
  PUBLIC_SUBSET=${PUBLIC_SUBSET:-2}        # prompts per category taken from prompts-public.jsonl
  DOCS=${DOCS:-$LAB/docs}
  echo "smoke run in $LAB" >&2
fi

LAB=${LAB:-.chats/lab2}
CHATS=${CHATS:-./chats}
THREADS=${THREADS:-2}
PUBLIC=${PUBLIC:-../shared/shapes-benchmark/prompts-public.jsonl}
UNET_CHANNELS=${UNET_CHANNELS:-32,64,128}
LAYERS=${LAYERS:-2}
SCENES=${SCENES:-40000}
VAE_STEPS=${VAE_STEPS:-600}
VAE_BATCH=${VAE_BATCH:-16}
BASE_STEPS=${BASE_STEPS:-8000}
BASE_BATCH=${BASE_BATCH:-32}
PAIR_PROMPTS=${PAIR_PROMPTS:-600}
PER_PROMPT=${PER_PROMPT:-8}
MIN_PAIRS_PER_CATEGORY=${MIN_PAIRS_PER_CATEGORY:-300}
MAX_IMAGES_PER_PROMPT=${MAX_IMAGES_PER_PROMPT:-32}
VAL_PER_CAT=${VAL_PER_CAT:-48}
VAL_PROMPT_SEED=${VAL_PROMPT_SEED:-11}
VAL_SEEDS=${VAL_SEEDS:-10}                  # noise seeds 1,000,000 + line: never evaluation seeds 0-3
GUIDANCE_GRID=${GUIDANCE_GRID:-1,3,5,7.5}
ALPHA_GRID=${ALPHA_GRID:-0,0.25,0.5,0.75,1}
LR_GRID=${LR_GRID:-1e-5,3e-5}
BETA_GRID=${BETA_GRID:-1000,5000}
STEPS_GRID=${STEPS_GRID:-300,600}
FT_BATCH=${FT_BATCH:-16}
EVAL_SEEDS=${EVAL_SEEDS:-0,1,2,3}
ABL_SEEDS=${ABL_SEEDS:-0,1}
CLEAN_FRACTION=${CLEAN_FRACTION:-0.25}
NOISE_FRACTION=${NOISE_FRACTION:-0.3}
SAMPLE_STEPS=${SAMPLE_STEPS:-20}            # sampling steps for every method (DDIM, or flow-match Euler for the flow arm)
PUBLIC_SUBSET=${PUBLIC_SUBSET:-0}           # 0: the whole public set
DOCS=${DOCS:-docs/lab}
GRID_IDS=${GRID_IDS:-single_object-00,two_object-00,counting-00,colors-00,position-00,color_attr-00}
mkdir -p "$LAB"

split() { tr ',' ' ' <<<"$1"; }

# The evaluation prompt set: prompts-public.jsonl, or its first PUBLIC_SUBSET prompts per category in smoke mode.
public_set() {
  if [ "$PUBLIC_SUBSET" = 0 ]; then echo "$PUBLIC"; return; fi
  local f="$LAB/public-subset.jsonl"
  [ -f "$f" ] || python3 - "$PUBLIC" "$PUBLIC_SUBSET" > "$f" <<'EOF'
import json, sys
seen = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        c = json.loads(line)["category"]
        seen[c] = seen.get(c, 0) + 1
        if seen[c] <= int(sys.argv[2]):
            sys.stdout.write(line)
EOF
  echo "$f"
}

# ---- base models -------------------------------------------------------------------------------------------------

train_base() { # out [--flow]
  $CHATS train base --out "$1" --scenes "$SCENES" --vae-steps "$VAE_STEPS" --vae-batch-size "$VAE_BATCH" --steps "$BASE_STEPS" \
    --batch-size "$BASE_BATCH" --lr 4e-4 --unet-channels "$UNET_CHANNELS" --layers-per-block "$LAYERS" --checkpoint-every 200 \
    --seed 0 --threads "$THREADS" "${@:2}" 2>&1 | tee "$1.log.tmp" >&2
  mv "$1.log.tmp" "$1.log"
}

stage_base() { [ -f "$LAB/base.log" ] || { mkdir -p "$LAB"; train_base "$LAB/base"; }; }

stage_validation() {
  [ -f "$LAB/validation.jsonl" ] || $CHATS lab validation-prompts --per-category "$VAL_PER_CAT" --seed "$VAL_PROMPT_SEED" \
    --exclude "$PUBLIC" --out "$LAB/validation.jsonl"
}

# ---- selection on the validation set -----------------------------------------------------------------------------

# select MODEL MODE ALPHA OUT -> prints "s overall" of the best grid point (ties to the smaller s); cached in OUT.txt.
select_s() {
  local model=$1 mode=$2 alpha=$3 out=$4
  if [ ! -f "$out.txt" ]; then
    local args=(--model "$model" --mode "$mode" --prompts "$LAB/validation.jsonl" --seeds "$VAL_SEEDS" --grid "$GUIDANCE_GRID" \
      --steps "$SAMPLE_STEPS" --out "$out")
    [ "$mode" = cfg ] || args+=(--alpha "$alpha")
    mkdir -p "$(dirname "$out")"
    OMP_NUM_THREADS=1 $CHATS lab select-guidance "${args[@]}" > "$out.tmp"
    mv "$out.tmp" "$out.txt"
  fi
  local s; s=$(sed -n 's/^chosen guidance s = //p' "$out.txt")
  sed -n "s/^s *$s: overall *\([0-9.]*\)%.*/$s \1/p" "$out.txt" | head -1
}

# best LINES...: the line whose second field is the largest; the first such line wins ties (grid order).
best() { awk 'NR == 1 || $2 > b { b = $2; l = $0 } END { print l }'; }

finetune() { # method data out lr beta steps [ref]
  local m=$1 data=$2 out=$3 lr=$4 beta=$5 steps=$6 ref=${7:-$LAB/base}
  [ -f "$out/done-$steps" ] && return 0
  $CHATS train preference --model "$ref" --data "$data" --method "$m" --steps "$steps" --batch-size "$FT_BATCH" --lr "$lr" \
    --beta "$beta" --p-uncond 0.5 --null-conditioning empty-prompt --checkpoint-every 100 --seed 0 --threads "$THREADS" \
    --out "$out" >&2
  touch "$out/done-$steps"
}

mode_of() { case "$1" in chats|chats-no-ref) echo chats;; *) echo cfg;; esac; }

stage_pairs() { make_pairs "$LAB/base" "$LAB/pairs" "$LAB/select/standard"; }

make_pairs() { # base out select-prefix
  local base=$1 out=$2 sel=$3
  [ -f "$out/pairs.jsonl" ] && return 0
  local s; s=$(select_s "$base" cfg 0.5 "$sel" | cut -d' ' -f1)
  local args=(--model "$base" --guidance "$s" --steps "$SAMPLE_STEPS" --prompts-count "$PAIR_PROMPTS" --per-prompt "$PER_PROMPT" --seed 1)
  args+=(--min-pairs-per-category "$MIN_PAIRS_PER_CATEGORY" --max-images-per-prompt "$MAX_IMAGES_PER_PROMPT")
  if ! $CHATS lab pairs "${args[@]}" --out "$out" >&2; then
    # A base of a few steps may judge nothing correct; only smoke mode goes on from there.
    [ "${SMOKE:-0}" = 1 ] || return 1
  fi
  if [ "${SMOKE:-0}" = 1 ] && [ ! -s "$out/pairs.jsonl" ]; then
    echo "smoke: the tiny base made no pairs; using synthetic render pairs" >&2
    rm -rf "$out.synthetic" "$out.renders"
    $CHATS lab render --prompts "$LAB/validation.jsonl" --seeds 0 --out "$out.renders" > /dev/null
    python3 scripts/lab_pairs_variant.py synthetic "$LAB/validation.jsonl" "$out.renders" "$out.synthetic" --seed 1 >&2
    rm -rf "$out"; mv "$out.synthetic" "$out"
  fi
}

# The (lr, β, steps) search of one method: every config trained (steps in ascending order continue one run) and
# searched over s; writes $LAB/search/M/configs.txt ("lr,beta,steps overall s") and chosen.txt.
search_method() { # method
  local m=$1 dir="$LAB/search/$1"
  mkdir -p "$dir"
  [ -f "$dir/chosen.txt" ] && return 0
  : > "$dir/configs.txt.tmp"
  local lr beta steps
  for lr in $(split "$LR_GRID"); do
    for beta in $(split "$BETA_GRID"); do
      local run="$dir/lr$lr-beta$beta/run"
      for steps in $(printf '%s\n' $(split "$STEPS_GRID") | sort -n); do
        local snap="$dir/lr$lr-beta$beta/steps$steps"
        if [ ! -d "$snap" ]; then
          finetune "$m" "$LAB/pairs" "$run" "$lr" "$beta" "$steps"
          # The snapshot is only sampled, never resumed: the optimiser state stays in the run folder.
          cp -r "$run" "$snap.tmp" && rm -f "$snap.tmp/optimizer.bin" && mv "$snap.tmp" "$snap"
        fi
        local r; r=$(select_s "$snap" "$(mode_of "$m")" 0.5 "$snap-select")
        echo "$lr,$beta,$steps ${r#* } ${r%% *}" >> "$dir/configs.txt.tmp"
      done
    done
  done
  mv "$dir/configs.txt.tmp" "$dir/configs.txt"
  best < "$dir/configs.txt" > "$dir/chosen.txt"
}

config_of() { cut -d' ' -f1 "$LAB/search/$1/chosen.txt" | tr ',' ' '; }   # "lr beta steps"
model_of() { # method -> the chosen snapshot folder
  case "$1" in standard) echo "$LAB/base";;
    *) read -r lr beta steps <<<"$(config_of "$1")"; echo "$LAB/search/$1/lr$lr-beta$beta/steps$steps";; esac
}

stage_search() {
  select_s "$LAB/base" cfg 0.5 "$LAB/select/standard" > "$LAB/select/standard.chosen"
  search_method dpo
  search_method chats
  # α for the chosen CHATS config (each α with its own s search); ties to the smaller α (grid order).
  local f="$LAB/search/chats/alpha.txt" a
  if [ ! -f "$f" ]; then
    : > "$f.tmp"
    for a in $(split "$ALPHA_GRID"); do
      local r; r=$(select_s "$(model_of chats)" chats "$a" "$LAB/search/chats/alpha/$a")
      echo "$a ${r#* } ${r%% *}" >> "$f.tmp"
    done
    mv "$f.tmp" "$f"
  fi
  best < "$f" > "$LAB/search/chats/alpha.chosen"
  {
    echo "standard: s $(cut -d' ' -f1 "$LAB/select/standard.chosen") (validation overall $(cut -d' ' -f2 "$LAB/select/standard.chosen"))"
    echo "dpo: lr,beta,steps $(cut -d' ' -f1 "$LAB/search/dpo/chosen.txt"), s $(cut -d' ' -f3 "$LAB/search/dpo/chosen.txt") (validation overall $(cut -d' ' -f2 "$LAB/search/dpo/chosen.txt"))"
    echo "chats: lr,beta,steps $(cut -d' ' -f1 "$LAB/search/chats/chosen.txt"), alpha $(cut -d' ' -f1 "$LAB/search/chats/alpha.chosen"), s $(cut -d' ' -f3 "$LAB/search/chats/alpha.chosen") (validation overall $(cut -d' ' -f2 "$LAB/search/chats/alpha.chosen"))"
  } | tee "$LAB/search/chosen.txt" >&2
}

guidance_of() { # method -> s
  case "$1" in standard) cut -d' ' -f1 "$LAB/select/standard.chosen";; dpo) cut -d' ' -f3 "$LAB/search/dpo/chosen.txt";;
    chats) cut -d' ' -f3 "$LAB/search/chats/alpha.chosen";; esac
}
alpha_of_chats() { cut -d' ' -f1 "$LAB/search/chats/alpha.chosen"; }

# ---- evaluation on the public set -------------------------------------------------------------------------------

evaluate() { # model mode s alpha seeds folder
  local model=$1 mode=$2 s=$3 alpha=$4 seeds=$5 dir=$6 prompts; prompts=$(public_set)
  local args=(--model "$model" --mode "$mode" --guidance "$s" --steps "$SAMPLE_STEPS" --prompts "$prompts" --seeds "$seeds" --images "$dir/images")
  [ "$mode" = cfg ] || args+=(--alpha "$alpha")
  mkdir -p "$dir"
  # One libtorch thread per model worker: two requests in flight keep both cores busy without OpenMP contention.
  [ -f "$dir/score.txt" ] || { OMP_NUM_THREADS=1 $CHATS lab eval "${args[@]}" > "$dir/score.txt.tmp" && mv "$dir/score.txt.tmp" "$dir/score.txt"; }
  [ -f "$dir/score.json" ] || $CHATS lab score --prompts "$prompts" --images "$dir/images" --seeds "$seeds" --json "$dir/score.json" > /dev/null
}

# lab compare prints B − A with its paired-bootstrap CI over prompts, so CHATS goes second.
compare() { # a.json b.json out
  [ -f "$3" ] || $CHATS lab compare "$1" "$2" > "$3"
}

stage_eval() {
  evaluate "$LAB/base" cfg "$(guidance_of standard)" 0 "$EVAL_SEEDS" "$LAB/eval/standard"
  evaluate "$(model_of dpo)" cfg "$(guidance_of dpo)" 0 "$EVAL_SEEDS" "$LAB/eval/dpo"
  evaluate "$(model_of chats)" chats "$(guidance_of chats)" "$(alpha_of_chats)" "$EVAL_SEEDS" "$LAB/eval/chats"
  compare "$LAB/eval/standard/score.json" "$LAB/eval/chats/score.json" "$LAB/eval/chats-vs-standard.txt"
  compare "$LAB/eval/dpo/score.json" "$LAB/eval/chats/score.json" "$LAB/eval/chats-vs-dpo.txt"
}

stage_alpha() {
  local a
  for a in 0 0.25 0.5 0.75 1; do
    evaluate "$(model_of chats)" chats "$(guidance_of chats)" "$a" "$ABL_SEEDS" "$LAB/eval/alpha/$a"
  done
  evaluate "$LAB/base" cfg "$(guidance_of standard)" 0 "$ABL_SEEDS" "$LAB/eval/ablation-standard"
}

stage_table4() {
  read -r lr beta steps <<<"$(config_of chats)"
  local m
  for m in finetune-all finetune-preferred chats-no-ref; do
    finetune "$m" "$LAB/pairs" "$LAB/table4/$m" "$lr" "$beta" "$steps"
    local s; s=$(select_s "$LAB/table4/$m" "$(mode_of "$m")" 0.5 "$LAB/table4/select-$m" | cut -d' ' -f1)
    evaluate "$LAB/table4/$m" "$(mode_of "$m")" "$s" 0.5 "$ABL_SEEDS" "$LAB/eval/table4/$m"
  done
  local s0; s0=$(select_s "$LAB/table4/chats-no-ref" chats 0 "$LAB/table4/select-chats-no-ref-alpha0" | cut -d' ' -f1)
  evaluate "$LAB/table4/chats-no-ref" chats "$s0" 0 "$ABL_SEEDS" "$LAB/eval/table4/chats-no-ref-alpha0"
  # CHATS α 0 and α 0.5 are the alpha stage's points (same model, s and seeds).
  stage_alpha
}

stage_table5() {
  local n; n=$(grep -c . "$LAB/pairs/pairs.jsonl")
  local clean; clean=$(python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * int(sys.argv[2]))))" "$CLEAN_FRACTION" "$n")
  [ -f "$LAB/table5/clean/pairs.jsonl" ] || python3 scripts/lab_pairs_variant.py clean "$LAB/pairs" "$LAB/table5/clean" --count "$clean" --seed 5 >&2
  [ -f "$LAB/table5/noisy/pairs.jsonl" ] || python3 scripts/lab_pairs_variant.py noisy "$LAB/pairs" "$LAB/table5/noisy" --flip "$NOISE_FRACTION" --seed 5 >&2
  local set m
  for set in clean noisy; do
    for m in dpo chats; do
      read -r lr beta steps <<<"$(config_of "$m")"
      finetune "$m" "$LAB/table5/$set" "$LAB/table5/ft-$m-$set" "$lr" "$beta" "$steps"
      if [ "$m" = dpo ]; then
        evaluate "$LAB/table5/ft-$m-$set" cfg "$(guidance_of dpo)" 0 "$ABL_SEEDS" "$LAB/eval/table5/$m-$set"
      else
        evaluate "$LAB/table5/ft-$m-$set" chats "$(guidance_of chats)" "$(alpha_of_chats)" "$ABL_SEEDS" "$LAB/eval/table5/$m-$set"
      fi
    done
  done
}

stage_flow() {
  local f="$LAB/flow"
  mkdir -p "$f"
  [ -f "$f/base.log" ] || train_base "$f/base" --flow
  grep -q FlowMatchEulerDiscreteScheduler "$f/base/scheduler/scheduler_config.json"
  make_pairs "$f/base" "$f/pairs" "$f/select/standard"
  read -r lr beta steps <<<"$(config_of chats)"
  local s_std; s_std=$(select_s "$f/base" cfg 0.5 "$f/select/standard" | cut -d' ' -f1)
  evaluate "$f/base" cfg "$s_std" 0 "$EVAL_SEEDS" "$LAB/eval/flow/standard"
  local m
  for m in dpo chats; do
    finetune "$m" "$f/pairs" "$f/ft-$m" "$lr" "$beta" "$steps" "$f/base"
    grep -q FlowMatchEulerDiscreteScheduler "$f/ft-$m/scheduler/scheduler_config.json"
  done
  local s_dpo; s_dpo=$(select_s "$f/ft-dpo" cfg 0.5 "$f/select/dpo" | cut -d' ' -f1)
  evaluate "$f/ft-dpo" cfg "$s_dpo" 0 "$EVAL_SEEDS" "$LAB/eval/flow/dpo"
  local a r best_line=""
  : > "$f/select/chats-alpha.txt.tmp"
  for a in $(split "$ALPHA_GRID"); do
    r=$(select_s "$f/ft-chats" chats "$a" "$f/select/chats-alpha-$a")
    echo "$a ${r#* } ${r%% *}" >> "$f/select/chats-alpha.txt.tmp"
  done
  mv "$f/select/chats-alpha.txt.tmp" "$f/select/chats-alpha.txt"
  best_line=$(best < "$f/select/chats-alpha.txt")
  evaluate "$f/ft-chats" chats "$(cut -d' ' -f3 <<<"$best_line")" "$(cut -d' ' -f1 <<<"$best_line")" "$EVAL_SEEDS" "$LAB/eval/flow/chats"
  compare "$LAB/eval/flow/dpo/score.json" "$LAB/eval/flow/chats/score.json" "$LAB/eval/flow/chats-vs-dpo.txt"
}

# ---- docs ---------------------------------------------------------------------------------------------------------

overall_of() { sed -n 's/.*"overall": *\([0-9.]*\).*/\1/p' "$1" | head -1; }

# --result NAME=FILE for each pair whose file exists (a row not run yet is left out, not faked).
results() { while [ $# -gt 0 ]; do [ -f "$2" ] && printf -- '--result\0%s=%s\0' "$1" "$2"; shift 2; done; }

table() { # out rows...
  local out=$1 t=(); shift
  mapfile -d '' t < <(results "$@")
  [ ${#t[@]} -gt 0 ] && $CHATS lab table --baseline "Standard + CFG" --out "$out" "${t[@]}" > /dev/null
  return 0
}

stage_docs() {
  local e="$LAB/eval"
  mkdir -p "$DOCS"
  cp "$LAB/search/chosen.txt" "$DOCS/search.txt"
  table "$DOCS/results.md" "Standard + CFG" "$e/standard/score.json" "Diffusion-DPO + CFG" "$e/dpo/score.json" \
    "CHATS (proxy, α $(alpha_of_chats))" "$e/chats/score.json" \
    "Flow: Standard + CFG" "$e/flow/standard/score.json" "Flow: Diffusion-DPO + CFG" "$e/flow/dpo/score.json" "Flow: CHATS" "$e/flow/chats/score.json"
  table "$DOCS/table4.md" "Standard + CFG" "$e/ablation-standard/score.json" \
    "One model, all images (plain fine-tune) + CFG" "$e/table4/finetune-all/score.json" \
    "One model, preferred images only + CFG" "$e/table4/finetune-preferred/score.json" \
    "Two models, no reference, α 0" "$e/table4/chats-no-ref-alpha0/score.json" \
    "Two models, no reference, α 0.5" "$e/table4/chats-no-ref/score.json" \
    "CHATS, α 0" "$e/alpha/0/score.json" "CHATS, α 0.5" "$e/alpha/0.5/score.json"
  table "$DOCS/table5.md" "Standard + CFG" "$e/ablation-standard/score.json" \
    "Diffusion-DPO, small clean set" "$e/table5/dpo-clean/score.json" "CHATS, small clean set" "$e/table5/chats-clean/score.json" \
    "Diffusion-DPO, large noisy set" "$e/table5/dpo-noisy/score.json" "CHATS, large noisy set" "$e/table5/chats-noisy/score.json"
  for c in "$e"/chats-vs-*.txt "$e"/flow/chats-vs-*.txt; do if [ -f "$c" ]; then cp "$c" "$DOCS/"; fi; done
  local a=()
  mapfile -d '' a < <(results 0 "$e/alpha/0/score.json" 0.25 "$e/alpha/0.25/score.json" 0.5 "$e/alpha/0.5/score.json" \
    0.75 "$e/alpha/0.75/score.json" 1 "$e/alpha/1/score.json")
  [ ${#a[@]} -gt 0 ] && $CHATS lab plot --x-label alpha --out "$DOCS/alpha.png" "${a[@]}" \
    --reference "Standard + CFG=$(overall_of "$e/ablation-standard/score.json")" > /dev/null
  $CHATS lab grid --prompts "$(public_set)" --ids "$GRID_IDS" --seed 0 --scale 3 --out "$DOCS/grid.png" \
    --column "Standard=$e/standard/images" --column "Diffusion-DPO=$e/dpo/images" --column "CHATS=$e/chats/images" > /dev/null
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(base validation pairs search eval alpha table4 table5 flow docs)
clock=$SECONDS
for stage in "${stages[@]}"; do
  echo "== $stage ($((SECONDS - clock)) s)" >&2
  "stage_$stage"
done
echo "== done in $((SECONDS - clock)) s; LAB=$LAB" >&2
