#!/bin/sh
# The `models` init container of every Chats pod (image chats-models, deploy/docker/Dockerfile.models).
# Copies the model artifact into the pod's model volume at $MODEL_ROOT, then checks that the configured pipelines are
# there, so that a wrong name stops the pod here with a message naming the folder instead of in the service.
# MODEL_ROOT, MODEL_PIPELINE and MODEL_STANDARD_PIPELINE come from the ConfigMap chats-models.
set -eu
: "${MODEL_ROOT:?MODEL_ROOT is not set (ConfigMap chats-models)}"
: "${MODEL_PIPELINE:?MODEL_PIPELINE is not set (ConfigMap chats-models)}"
source_dir=/chats-models
cp -R "$source_dir"/. "$MODEL_ROOT"/
for pipeline in "$MODEL_PIPELINE" ${MODEL_STANDARD_PIPELINE:-}; do
  if [ ! -f "$MODEL_ROOT/$pipeline/model_index.json" ]; then
    echo "chats-models: $MODEL_ROOT/$pipeline/model_index.json not found: the image has $(ls "$source_dir" | tr '\n' ' ')" >&2
    exit 1
  fi
done
echo "chats-models: $(du -s "$MODEL_ROOT" | cut -f1) KiB in $MODEL_ROOT ($MODEL_PIPELINE ${MODEL_STANDARD_PIPELINE:-})"
