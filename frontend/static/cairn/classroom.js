// Live mastery rows for the teacher's grid, pushed when a student in the class answers.
(() => {
  const root = document.getElementById("classroom");
  if (!root) return;
  window.cairnLive(root, document.getElementById("live"), {
    liveText: "Live",
    downText: "Live updates paused, reconnecting…",
    onMessage: (frame) => {
      if (frame.type !== "mastery.row") return;
      const template = document.createElement("template");
      template.innerHTML = `<table><tbody>${frame.html.trim()}</tbody></table>`;
      const row = template.content.querySelector("tr");
      const current = document.getElementById(row.id);
      if (current) current.replaceWith(row); else document.getElementById("grid-body").append(row);
      row.classList.add("updated");
    },
  });
})();
