// CHATS playground: posts the form to the gateway's streaming endpoint and renders each event as it arrives.
// EventSource can only GET, so the server-sent events are read from a fetch body by hand.
"use strict";

const STREAM_URL = "v1/generations:stream";
const API_KEY_STORAGE = "chats.playground.apiKey";
const MODE_TITLES = { cfg: "CFG", chats: "CHATS", chats_full: "CHATS (full)" };

const form = document.getElementById("generate-form");
const results = document.getElementById("results");
const template = document.getElementById("panel-template");
const formStatus = document.getElementById("form-status");
const generateButton = document.getElementById("generate");
const stopButton = document.getElementById("stop");
const seedInput = document.getElementById("seed");
const apiKeyInput = document.getElementById("api-key");

let running = null;

apiKeyInput.value = sessionStorage.getItem(API_KEY_STORAGE) ?? "";
apiKeyInput.addEventListener("input", () => {
  if (apiKeyInput.value) {
    sessionStorage.setItem(API_KEY_STORAGE, apiKeyInput.value);
  } else {
    sessionStorage.removeItem(API_KEY_STORAGE);
  }
});

document.getElementById("seed-random").addEventListener("click", () => {
  seedInput.value = String(randomSeed());
});

stopButton.addEventListener("click", () => running?.abort());

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (running) {
    return;
  }

  let request;
  try {
    request = readForm();
  } catch (error) {
    formStatus.textContent = error.message;
    return;
  }

  const modes = request.mode === "compare" ? ["cfg", "chats"] : [request.mode];
  running = new AbortController();
  generateButton.disabled = true;
  stopButton.disabled = false;
  formStatus.textContent = `Generating with seed ${request.body.seed}…`;
  results.replaceChildren();
  results.dataset.state = "running";
  try {
    // Both sides start together from the same seed, so the only difference is the guidance.
    await Promise.all(modes.map((mode) => generate(createPanel(mode), { ...request.body, mode }, request.apiKey, running.signal)));
  } finally {
    const failed = results.querySelectorAll('.panel[data-state="error"]').length;
    formStatus.textContent = running.signal.aborted ? "Stopped."
      : failed ? `${failed} of ${modes.length} failed (seed ${request.body.seed}).`
      : `Done (seed ${request.body.seed}).`;
    results.dataset.state = "done";
    running = null;
    generateButton.disabled = false;
    stopButton.disabled = true;
  }
});

/** The request body and API key from the form; throws an Error naming the field that is wrong. */
function readForm() {
  const value = (id) => document.getElementById(id).value.trim();
  const number = (id, field) => {
    const text = value(id);
    if (text === "") {
      return undefined;
    }
    const parsed = Number(text);
    if (!Number.isFinite(parsed)) {
      throw new Error(`${field}: "${text}" is not a number`);
    }
    return parsed;
  };

  if (value("seed") === "") {
    seedInput.value = String(randomSeed());
  }
  const seed = number("seed", "seed");
  // Larger integers lose digits in a JSON number, and the two sides must share the seed exactly.
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  }

  const body = {
    prompt: document.getElementById("prompt").value,
    n: 1,
    size: value("size"),
    response_format: "b64_json",
    steps: number("steps", "steps"),
    seed,
    guidance_scale: number("guidance", "guidance_scale"),
    alpha: number("alpha", "alpha"),
    negative_prompt: value("negative-prompt") || undefined,
  };
  return { mode: value("mode"), body, apiKey: apiKeyInput.value.trim() };
}

function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** A result panel for one mode; its elements get ids ending in the mode (image-cfg, progress-chats, …). */
function createPanel(mode) {
  const panel = template.content.firstElementChild.cloneNode(true);
  panel.id = `panel-${mode}`;
  panel.dataset.mode = mode;
  const part = (name) => panel.querySelector(`.${name}`);
  const elements = {
    root: panel,
    title: part("panel-title"),
    progress: part("panel-progress"),
    step: part("panel-step"),
    image: part("panel-image"),
    error: part("panel-error"),
    arm: part("meta-arm"),
    mode: part("meta-mode"),
    generation: part("meta-generation"),
    settings: part("meta-settings"),
    seed: part("meta-seed"),
  };
  for (const [name, element] of Object.entries(elements)) {
    if (name !== "root") {
      element.id = `${name}-${mode}`;
    }
  }
  elements.title.textContent = MODE_TITLES[mode] ?? mode;
  elements.progress.setAttribute("aria-labelledby", elements.step.id);
  elements.image.alt = `${MODE_TITLES[mode] ?? mode} result`;
  results.append(panel);
  return elements;
}

/** Runs one generation into <panel>; never throws (failures are shown on the panel). */
async function generate(panel, body, apiKey, signal) {
  const headers = { "content-type": "application/json", accept: "text/event-stream" };
  if (apiKey) {
    headers.authorization = `Bearer ${apiKey}`;
  }

  let finished = false;
  try {
    const response = await fetch(STREAM_URL, { method: "POST", headers, body: JSON.stringify(body), signal });
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      showError(panel, await errorFromResponse(response));
      return;
    }

    for await (const { event, data } of serverSentEvents(response.body)) {
      const outcome = handleEvent(panel, event, data);
      if (outcome === "image") {
        // "done" only once the browser has decoded it, so whoever waits for it can read the image's size.
        await panel.image.decode().then(
          () => { panel.root.dataset.state = "done"; },
          () => showError(panel, "The image did not decode as a PNG."));
      }
      finished ||= outcome !== null;
    }
    if (!finished) {
      showError(panel, "The stream ended before the image arrived.");
    }
  } catch (error) {
    showError(panel, signal.aborted ? "Stopped." : `Request failed: ${error.message}`);
  }
}

/** Applies one event to the panel; returns "image" or "error" for the events that end a generation, else null. */
function handleEvent(panel, event, data) {
  const payload = data ? JSON.parse(data) : {};
  switch (event) {
    case "started":
      panel.arm.textContent = payload.arm || "–";
      panel.mode.textContent = payload.mode;
      panel.generation.textContent = payload.generation_id;
      panel.settings.textContent =
        `${payload.width}×${payload.height}, ${payload.steps} steps, s = ${decimal(payload.guidance_scale)}` +
        (payload.mode === "cfg" ? "" : `, α = ${decimal(payload.alpha)}`);
      panel.progress.max = payload.steps;
      panel.step.textContent = `step 0/${payload.steps}`;
      return null;
    case "progress":
      panel.root.dataset.progressEvents = String(Number(panel.root.dataset.progressEvents) + 1);
      panel.progress.max = payload.total_steps;
      panel.progress.value = payload.step;
      panel.step.textContent = `step ${payload.step}/${payload.total_steps}`;
      return null;
    case "image":
      panel.seed.textContent = String(payload.seed);
      panel.image.width = payload.width;
      panel.image.height = payload.height;
      panel.image.src = `data:image/png;base64,${payload.b64_json}`;
      panel.image.hidden = false;
      return "image";
    case "error":
      showError(panel, describeError(payload, payload.status));
      return "error";
    default:
      // "done" and any event a later server adds.
      return null;
  }
}

/** A float the server sent as single precision (7.5, not 7.500000476837158). */
function decimal(value) {
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

/** Yields {event, data} for each server-sent event in a byte stream. */
async function* serverSentEvents(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseEvent(block);
      if (parsed) {
        yield parsed;
      }
    }
  }
  const last = parseEvent(buffer);
  if (last) {
    yield last;
  }
}

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) {
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") {
      event = value;
    } else if (field === "data") {
      data.push(value);
    }
  }
  return data.length || event !== "message" ? { event, data: data.join("\n") } : null;
}

/** The readable message of a failed HTTP response: the API's JSON error when there is one. */
async function errorFromResponse(response) {
  const text = await response.text();
  try {
    return describeError(JSON.parse(text), response.status);
  } catch {
    // Not the API's error (a proxy's page, say): its plain text is shown, markup is not.
    const plain = (response.headers.get("content-type") ?? "").startsWith("text/plain") ? text.slice(0, 500) : "";
    return `HTTP ${response.status} ${response.statusText}${plain ? `: ${plain}` : ""}`;
  }
}

function describeError(payload, status) {
  const error = payload?.error ?? {};
  const code = error.code ? ` ${error.code}` : "";
  const retry = error.code === "resource_exhausted" ? " Try again shortly." : "";
  return `${status ? `HTTP ${status}` : "Error"}${code}: ${error.message ?? JSON.stringify(payload)}${retry}`;
}

function showError(panel, message) {
  panel.root.dataset.state = "error";
  panel.error.textContent = message;
  panel.error.hidden = false;
  panel.step.textContent = "failed";
}
