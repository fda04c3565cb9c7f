// Swap 4xx responses too: they carry a message for the student (the server retargets them to #alert).
document.addEventListener("DOMContentLoaded", () => {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
});

window.cairnClientId = () =>
  (crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

// A form that was sent gets a fresh id, so its next message is not taken for a resend.
document.addEventListener("htmx:afterRequest", (event) => {
  const field = event.detail.elt.querySelector && event.detail.elt.querySelector("input[name=client_id]");
  if (field && event.detail.successful) field.value = window.cairnClientId();
  if (event.detail.successful) {
    const alert = document.getElementById("alert");
    if (alert && event.detail.xhr.status < 400) { alert.textContent = ""; alert.classList.remove("alert-shown"); }
  }
  if (event.detail.successful && event.detail.elt.id === "chat-form") event.detail.elt.reset();
});
