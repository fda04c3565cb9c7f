// A websocket to this site that reconnects with backoff; `root.dataset.live` says whether it is up.
window.cairnLive = (root, label, { liveText, downText, onOpen, onMessage }) => {
  let retry = 500;
  const live = { socket: null };
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.wsPath}`);
    live.socket = socket;
    socket.addEventListener("open", () => {
      retry = 500;
      label.textContent = liveText;
      root.dataset.live = "true";
      if (onOpen) onOpen(socket);
    });
    socket.addEventListener("close", () => {
      root.dataset.live = "false";
      label.textContent = downText;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
  };
  connect();
  return live;
};
