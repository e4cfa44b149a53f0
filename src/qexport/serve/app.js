// qexport serve: keeps the page in step with the content as the author saves.
"use strict";

const body = document.body;
const list = () => document.getElementById("qx-list");
const PIN_MS = 2000; // frames above a changed card load and grow for about this long
let pinned = null; // the changed card kept in view while they do
let pinnedAt = 0;

function fitFrame(frame) {
  // Same origin: a frame is as tall as its card, so the page scrolls, not each frame.
  try {
    const doc = frame.contentDocument;
    if (doc && doc.body && doc.readyState === "complete") {
      // The root's own box: scrollHeight would never be less than the frame's height.
      const height = Math.max(Math.ceil(doc.documentElement.getBoundingClientRect().height), 120);
      if (frame.style.height !== height + "px") {
        frame.style.height = height + "px";
        if (pinned && performance.now() - pinnedAt < PIN_MS) pinned.scrollIntoView({ block: "start" });
      }
    }
  } catch (e) { /* not loaded yet */ }
}

function watchFrames(root) {
  root.querySelectorAll("iframe").forEach((frame) => {
    frame.addEventListener("load", () => fitFrame(frame));
    fitFrame(frame);
  });
}

function filter() {
  const words = document.getElementById("qx-search").value.toLowerCase().split(/\s+/)
    .filter(Boolean);
  let shown = 0;
  document.querySelectorAll(".qx-q").forEach((entry) => {
    const text = entry.dataset.search || "";
    const hit = words.every((word) => text.includes(word));
    entry.classList.toggle("qx-hidden", !hit);
    if (hit) shown += 1;
  });
  document.querySelectorAll(".qx-topic, .qx-level").forEach((section) => {
    section.classList.toggle("qx-hidden", !section.querySelector(".qx-q:not(.qx-hidden)"));
  });
  return shown;
}

function press(kind, value) {
  body.dataset[kind] = value;
  document.querySelectorAll(`button[data-${kind}]`).forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset[kind] === value));
  });
  try { localStorage.setItem("qx-" + kind, value); } catch (e) { /* private mode */ }
  // Frames that were hidden load now; resize the ones that changed width.
  setTimeout(() => document.querySelectorAll("iframe").forEach(fitFrame), 50);
}

function replaceEntry(id, html) {
  const old = document.getElementById("q-" + id);
  if (!old) return null;
  const holder = document.createElement("div");
  holder.innerHTML = html;
  const fresh = holder.firstElementChild;
  // Frames whose card did not change keep their page: no flicker, no reload.
  fresh.querySelectorAll("iframe").forEach((frame, index) => {
    const before = old.querySelectorAll("iframe")[index];
    if (before && before.getAttribute("src") === frame.getAttribute("src")) {
      frame.replaceWith(before);
    }
  });
  old.replaceWith(fresh);
  watchFrames(fresh);
  return fresh;
}

function showChanged(ids) {
  const first = ids.map((id) => document.getElementById("q-" + id)).find(Boolean);
  if (!first) return;
  pinned = first;
  pinnedAt = performance.now();
  first.scrollIntoView({ block: "start" });
  first.classList.add("qx-updated");
  setTimeout(() => first.classList.remove("qx-updated"), 1500);
}

async function update(data) {
  const problems = document.getElementById("qx-problems");
  problems.innerHTML = data.problems;
  problems.hidden = !data.problems;
  if (data.structure) {
    const response = await fetch("/list?v=" + data.version);
    list().innerHTML = await response.text();
    watchFrames(list());
    document.getElementById("qx-count").textContent = data.count;
  } else {
    Object.entries(data.entries).forEach(([id, html]) => replaceEntry(id, html));
  }
  filter();
  body.dataset.version = String(data.version);
  showChanged(data.changed);
  // For tests and benchmarks: the page has caught up with this rebuild.
  window.dispatchEvent(new CustomEvent("qexport:updated", { detail: data }));
}

function listen() {
  const events = new EventSource("/events");
  events.addEventListener("hello", (event) => {
    const data = JSON.parse(event.data);
    if (String(data.version) !== body.dataset.version) {
      location.reload(); // missed rebuilds while away (or a new server)
    }
  });
  events.addEventListener("update", (event) => update(JSON.parse(event.data)));
  events.addEventListener("pdfs", (event) => {
    document.getElementById("qx-pdfs").innerHTML = JSON.parse(event.data).html;
  });
}

document.querySelectorAll("button[data-device]").forEach((button) => {
  button.addEventListener("click", () => press("device", button.dataset.device));
});
document.querySelectorAll("button[data-mode]").forEach((button) => {
  button.addEventListener("click", () => press("mode", button.dataset.mode));
});
document.getElementById("qx-search").addEventListener("input", filter);
try {
  ["device", "mode"].forEach((kind) => {
    const saved = localStorage.getItem("qx-" + kind);
    if (saved) press(kind, saved);
  });
} catch (e) { /* private mode */ }
watchFrames(document);
listen();
