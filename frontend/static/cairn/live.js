// A live page (practice, class grid) keeps a websocket open with htmx's ws extension (`ws-connect`).
(() => {
  const root = document.querySelector("[ws-connect]");
  if (!root) return;
  const label = root.querySelector("[data-open]");
  let open = false;
  const show = (isOpen) => {
    open = isOpen;
    label.textContent = isOpen ? label.dataset.open : label.dataset.closed;
  };
  root.addEventListener("htmx:wsOpen", () => show(true));
  root.addEventListener("htmx:wsClose", () => show(false));

  // A browser that refuses to open the socket at all (it throws): a stand-in that never opens, so every form goes
  // over HTTP (below) and the label says so.
  htmx.createWebSocket = (url) => {
    try {
      return new WebSocket(url);
    } catch {
      show(false);
      return { readyState: 3, OPEN: 1, addEventListener() {}, send() {}, close() {} };  // CLOSED, never OPEN
    }
  };

  // A form with ws-send and hx-post is sent once. htmx lets one handler act on an event for an element and the
  // extension's comes first, so the extension takes the submit: over the socket while it is open; while it is
  // down, the form goes over HTTP instead (its hx-post, hx-target and hx-swap).
  root.addEventListener("htmx:wsConfigSend", (event) => {
    if (open) return;
    event.preventDefault();
    htmx.ajax("post", event.target.getAttribute("hx-post"), { source: event.target });
  });
  // Reconnect after a random wait of up to 1 s, 2 s, 4 s, … 10 s at most.
  htmx.config.wsReconnectDelay = (retries) => Math.random() * Math.min(1000 * 2 ** retries, 10000);

  // A student who joined the class after the grid was loaded: their row goes at its end.
  document.body.addEventListener("htmx:oobErrorNoTarget", (event) => {
    if (event.detail.content.tagName === "TR") document.getElementById("grid-body")?.append(event.detail.content);
  });
})();
