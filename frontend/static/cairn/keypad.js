// On a touch screen an expression answer gets a maths keypad: a MathLive <math-field> with its on-screen keyboard.
// What is built there fills the plain answer box (which stays, and is what the form sends), written as the answer
// checker reads it. MathLive is loaded only where a keypad is offered.
(() => {
  const mathliveUrl = document.currentScript.dataset.mathlive;
  const touch = window.matchMedia("(pointer: coarse)");

  // MathLive's ASCII-math export, as the checker reads it: ÷ is "-:", and a fraction or power of a single number
  // or letter comes bracketed: (3)/(4), x^(10).
  const plainAnswer = (asciiMath) => asciiMath
    .replace(/-:/g, "/")
    .replace(/\((\d+(?:\.\d+)?|[A-Za-z])\)(?=\/)/g, "$1")
    .replace(/(?<=[/^])\((\d+(?:\.\d+)?|[A-Za-z])\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();

  const offer = async () => {
    if (!touch.matches) return;
    // Taken at once, so that the swap events of one response, each calling this, offer each keypad once.
    const keypads = [...document.querySelectorAll(".keypad:not([data-offered])")];
    if (!keypads.length) return;
    for (const keypad of keypads) keypad.dataset.offered = "";
    await import(mathliveUrl);
    for (const keypad of keypads) {
      const input = document.getElementById(keypad.dataset.for);
      if (!input) continue;
      const field = document.createElement("math-field");
      field.setAttribute("aria-label", `${input.labels[0]?.textContent ?? "Your answer"}, with the maths keypad`);
      field.setAttribute("math-virtual-keyboard-policy", "auto");
      field.addEventListener("input", () => { input.value = plainAnswer(field.getValue("ascii-math")); });
      keypad.append(field);
      keypad.hidden = false;
    }
  };
  document.addEventListener("DOMContentLoaded", offer);
  document.addEventListener("htmx:afterSwap", offer);
  document.addEventListener("htmx:oobAfterSwap", offer);
  touch.addEventListener("change", offer);
})();
