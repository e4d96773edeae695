// Entry point: loads the console, and says so plainly when it cannot (for instance when the
// package is not built or not served at /pkg/), instead of leaving a dead form.

try {
  await import("./app.js");
} catch (err) {
  const box = document.getElementById("errors");
  const card = document.createElement("div");
  card.className = "error-card";
  card.dataset.kind = "load";
  const title = document.createElement("h2");
  title.className = "error-title";
  title.textContent = "The console could not start";
  const text = document.createElement("p");
  text.className = "hint";
  text.textContent =
    "Its modules or the iot-upgrade-task package (pkg/index.js) could not be loaded. Build the package (node scripts/build-pkg.mjs) and serve it at /pkg/, e.g. with make demo.";
  const detail = document.createElement("p");
  detail.className = "muted small";
  detail.textContent = String(err?.message ?? err);
  card.append(title, text, detail);
  box.replaceChildren(card);
  for (const el of document.querySelectorAll("input, select, button")) el.disabled = true;
  document.documentElement.dataset.ready = "failed";
}
