// Live mastery rows for the teacher's grid, pushed when a student in the class answers.
(() => {
  const root = document.getElementById("classroom");
  if (!root) return;
  const live = document.getElementById("live");
  let retry = 500;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.wsPath}`);
    socket.addEventListener("open", () => { retry = 500; live.textContent = "Live"; root.dataset.live = "true"; });
    socket.addEventListener("close", () => {
      root.dataset.live = "false";
      live.textContent = "Live updates paused, reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "mastery.row") return;
      const template = document.createElement("template");
      template.innerHTML = `<table><tbody>${frame.html.trim()}</tbody></table>`;
      const row = template.content.querySelector("tr");
      const current = document.getElementById(row.id);
      if (current) current.replaceWith(row); else document.getElementById("grid-body").append(row);
      row.classList.add("updated");
    });
  };
  connect();
})();
