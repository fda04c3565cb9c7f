// The practice loop over a websocket. Forms keep working over plain HTTP (htmx) whenever the socket is down.
(() => {
  const root = document.querySelector(".practice");
  if (!root) return;
  const status = document.getElementById("connection");
  const pending = new Map(); // client_id -> frame, resent after a reconnect until answered

  const showAlert = (message) => {
    const alert = document.getElementById("alert");
    alert.textContent = message;
    alert.classList.toggle("alert-shown", Boolean(message));
  };

  const swap = (html, append) => {
    for (const [id, fragment] of Object.entries(html || {})) {
      const target = document.getElementById(id);
      if (!target) continue;
      const template = document.createElement("template");
      template.innerHTML = fragment.trim();
      const replacement = template.content.firstElementChild;
      if (replacement) { target.replaceWith(replacement); htmx.process(replacement); }
    }
    for (const [id, fragment] of Object.entries(append || {})) {
      const target = document.getElementById(id);
      if (!target) continue;
      target.querySelector(".chat-empty")?.remove();
      target.insertAdjacentHTML("beforeend", fragment);
      target.scrollTop = target.scrollHeight;
    }
    document.getElementById("answer")?.focus();
  };

  const live = window.cairnLive(root, status, {
    liveText: "Live",
    downText: "Offline: answers go over plain HTTP. Reconnecting…",
    onOpen: (socket) => { for (const frame of pending.values()) socket.send(JSON.stringify(frame)); },
    onMessage: (frame) => {
      if (frame.client_id && frame.type !== "chat.start" && frame.type !== "chat.delta") pending.delete(frame.client_id);
      if (frame.type === "error") { showAlert(frame.message); return; }
      showAlert("");
      if (frame.type === "chat.delta") {
        const bubble = document.getElementById("chat-streaming");
        if (bubble) bubble.textContent += frame.text;
        return;
      }
      swap(frame.html, frame.append);
    },
  });

  const send = (frame) => {
    if (frame.client_id) pending.set(frame.client_id, frame);
    live.socket.send(JSON.stringify(frame));
  };

  // Capture submits before htmx sees them: over the socket when it is open, else let htmx post them.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const kind = form.dataset.frame;
    if (!kind || !live.socket || live.socket.readyState !== WebSocket.OPEN) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const data = new FormData(form);
    const frame = { type: kind };
    if (data.has("item_id")) frame.item_id = Number(data.get("item_id"));
    if (kind === "attempt") { frame.answer = data.get("answer") || ""; frame.client_id = window.cairnClientId(); }
    if (kind === "chat") { frame.text = data.get("text") || ""; frame.client_id = window.cairnClientId(); form.reset(); }
    send(frame);
  }, true);
})();
