// Swap 4xx responses too: they carry a message for the student (the server retargets them to #alert).
document.addEventListener("DOMContentLoaded", () => {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
});

// A message to the tutor leaves the chat box empty: over the socket once sent, over HTTP once answered. (The
// server renders each form's next client id, so a resend or a double click of one message is stored once.)
document.addEventListener("htmx:wsAfterSend", (event) => {
  if (event.target.id === "chat-form") event.target.reset();
});
document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.successful && event.detail.elt.id === "chat-form") event.detail.elt.reset();
});

// The chat log stays at its newest message: on load, as a reply streams in, and when the whole log is swapped for
// the stored one (a new element, which would start at its oldest message).
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("chat-log")?.parentElement;
  if (!panel) return;
  const toNewest = () => {
    const log = document.getElementById("chat-log");
    if (log) log.scrollTop = log.scrollHeight;
  };
  new MutationObserver(toNewest).observe(panel, { childList: true, subtree: true, characterData: true });
  toNewest();
});
