// Opens the CHATS playground in headless chromium, generates CFG and CHATS side by side from one seed, and prints
// a JSON summary of what the page showed. Exit code 0 when both sides showed an image, 1 otherwise, 2 on bad usage.
//
//   node playground.mjs --url http://127.0.0.1:8080/ --screenshot out/playground.png \
//        [--prompt "..."] [--seed 1] [--steps 20] [--size 64x64] [--timeout-ms 300000]
//
// The browser is Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium); nothing is downloaded.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: options } = parseArgs({
  options: {
    url: { type: "string" },
    screenshot: { type: "string" },
    prompt: { type: "string", default: "a red circle and a blue square" },
    seed: { type: "string", default: "1" },
    steps: { type: "string", default: "20" },
    size: { type: "string", default: "64x64" },
    "timeout-ms": { type: "string", default: "300000" },
  },
});
if (!options.url || !options.screenshot) {
  console.error("usage: node playground.mjs --url URL --screenshot PATH [--prompt P] [--seed N] [--steps N] [--size WxH] [--timeout-ms MS]");
  process.exit(2);
}

const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.error(`chromium not found at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  process.exit(2);
}

const timeout = Number(options["timeout-ms"]);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // CI runs as root, where chromium's sandbox cannot start.
  args: ["--no-sandbox"],
  timeout,
});
let exitCode = 1;
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 760 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") {
      pageErrors.push(message.text());
    }
  });

  await page.goto(options.url, { waitUntil: "load", timeout });
  await page.fill("#prompt", options.prompt);
  await page.fill("#seed", options.seed);
  await page.fill("#steps", options.steps);
  await page.fill("#size", options.size);
  await page.selectOption("#mode", "compare");
  // Every "step k/N" the page displays, as it displays it: shows progress was live, not only a final count.
  await page.evaluate(() => {
    window.stepTextsSeen = { cfg: [], chats: [] };
    new MutationObserver(() => {
      for (const mode of ["cfg", "chats"]) {
        const text = document.getElementById(`step-${mode}`)?.textContent ?? "";
        const seen = window.stepTextsSeen[mode];
        if (text.startsWith("step ") && seen.at(-1) !== text) {
          seen.push(text);
        }
      }
    }).observe(document.getElementById("results"), { subtree: true, childList: true, characterData: true });
  });
  await page.click("#generate");

  // Each panel is settled once its image has decoded ("done") or it shows an error.
  await page.waitForFunction(
    () => ["cfg", "chats"].every((mode) => ["done", "error"].includes(document.getElementById(`panel-${mode}`)?.dataset.state)),
    null,
    { timeout, polling: 100 },
  );

  const sides = await page.evaluate(() => {
    const text = (id) => document.getElementById(id)?.textContent.trim() ?? null;
    const pixels = (image) => {
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      return Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data);
    };
    const result = {};
    for (const mode of ["cfg", "chats"]) {
      const panel = document.getElementById(`panel-${mode}`);
      const image = document.getElementById(`image-${mode}`);
      const progress = document.getElementById(`progress-${mode}`);
      result[mode] = {
        state: panel.dataset.state,
        progressEvents: Number(panel.dataset.progressEvents),
        progressValue: progress.value,
        progressMax: progress.max,
        stepText: text(`step-${mode}`),
        naturalWidth: image.naturalWidth,
        naturalHeight: image.naturalHeight,
        src: image.getAttribute("src") ?? "",
        pixels: image.naturalWidth > 0 ? pixels(image) : [],
        stepTextsSeen: window.stepTextsSeen[mode],
        arm: text(`arm-${mode}`),
        mode: text(`mode-${mode}`),
        generationId: text(`generation-${mode}`),
        settings: text(`settings-${mode}`),
        seed: text(`seed-${mode}`),
        error: document.getElementById(`error-${mode}`).hidden ? null : text(`error-${mode}`),
      };
    }
    return result;
  });

  mkdirSync(dirname(options.screenshot), { recursive: true });
  await page.screenshot({ path: options.screenshot, fullPage: true });

  // Pixels are compared here so the summary stays small: the share of RGBA channels that differ between the sides.
  const { cfg, chats } = sides;
  let differing = 0;
  const channels = Math.min(cfg.pixels.length, chats.pixels.length);
  for (let i = 0; i < channels; i++) {
    differing += cfg.pixels[i] === chats.pixels[i] ? 0 : 1;
  }
  const summarise = (side) => {
    const { src, pixels, ...rest } = side;
    const base64 = src.startsWith("data:image/png;base64,") ? src.slice("data:image/png;base64,".length) : "";
    const png = Buffer.from(base64, "base64");
    return { ...rest, pngBytes: png.length, pngSha256: png.length > 0 ? createHash("sha256").update(png).digest("hex") : null };
  };
  const summary = {
    url: options.url,
    screenshot: options.screenshot,
    formStatus: await page.textContent("#form-status"),
    cfg: summarise(cfg),
    chats: summarise(chats),
    differingChannelFraction: channels > 0 ? differing / channels : null,
    pageErrors,
  };
  console.log(JSON.stringify(summary, null, 2));
  exitCode = cfg.state === "done" && chats.state === "done" ? 0 : 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
