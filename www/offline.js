// Keeps an offline copy of the notebook: registers the service worker (sw.js) and shows, in a small
// mark at the bottom right, what it gives: "Available offline" once this page runs from the copy,
// an "Updated — reload" button when a new build of the site is ready (the page keeps running on
// its own build until then), or why there is no copy (a service worker needs https or localhost).
(() => {
  const worker = new URL("sw.js", document.currentScript.src);

  const mark = document.createElement("div");
  mark.className = "offline-mark";
  mark.setAttribute("role", "status");
  mark.dataset.testid = "offline-mark";
  mark.hidden = true;
  document.body.append(mark);
  // The notebook's renderer empties <body> when it starts: the mark goes back in after it.
  new MutationObserver(() => mark.isConnected || document.body.append(mark))
    .observe(document.body, { childList: true });
  // The status bar keeps the mark's width free at its right end (styles.css).
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--offline-mark-width", `${mark.offsetWidth}px`);
  }).observe(mark);

  /** Shows `content` in the mark; `state` (offline, update, none) picks its look. */
  function show(state, ...content) {
    mark.dataset.state = state;
    mark.replaceChildren(...content);
    mark.hidden = false;
  }

  if (!window.isSecureContext) {
    show("none", "Offline copy needs https or localhost");
    return;
  }
  if (!("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;

  let waiting = null;
  function offerUpdate(next) {
    waiting = next;
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.testid = "offline-update";
    button.textContent = "Updated — reload";
    button.title = "A new version of lectern is ready: reload this page (and any other lectern tab) on it";
    button.addEventListener("click", () => {
      button.disabled = true;
      next.postMessage({ type: "update" });
    });
    show("update", button);
  }

  container.addEventListener("message", (event) => {
    if (event.data?.type === "status" && event.data.offline && !waiting) show("offline", "Available offline");
  });
  container.startMessages();

  // A page that ran on one build reloads when another takes over (this tab's button or another
  // tab's), so that it never loads files of the new build beside its own. On the first visit the
  // service worker takes over a page that had none: it asks what the copy holds instead.
  let controlled = container.controller !== null;
  container.addEventListener("controllerchange", () => {
    if (controlled) {
      window.location.reload();
    } else {
      controlled = true;
      container.controller.postMessage({ type: "status?" });
    }
  });

  /** Offers `next` (a new build's service worker) once it is installed beside this page's. */
  function watch(next) {
    if (!next || !container.controller) return;
    if (next.state === "installed") offerUpdate(next);
    else next.addEventListener("statechange", () => next.state === "installed" && offerUpdate(next));
  }

  container.register(worker).then((registration) => {
    // A browser may refuse quietly (no registration) as well as with an error.
    if (!registration) {
      show("none", "No offline copy: this browser did not register it");
      return;
    }
    watch(registration.waiting ?? registration.installing);
    registration.addEventListener("updatefound", () => watch(registration.installing));
    container.controller?.postMessage({ type: "status?" });
    // Look for a new build when the network comes back, and every hour (a page open all day).
    const check = () => registration.update().catch(() => {});
    window.addEventListener("online", check);
    setInterval(check, 3_600_000);
  }, (error) => {
    show("none", `No offline copy: ${error.message}`);
  });
})();
