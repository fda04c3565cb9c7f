// Course maths (the spans `{{ text|maths }}` writes, showing the text as written) typeset by KaTeX from their TeX,
// on load and in whatever htmx swaps in, over HTTP or the socket. KaTeX's MathML is what screen readers read.
(() => {
  const typeset = () => {
    for (const span of document.querySelectorAll(".maths[data-tex]:not(.maths-typeset)")) {
      katex.render(span.dataset.tex, span, { throwOnError: false, output: "htmlAndMathml" });
      span.classList.add("maths-typeset");
    }
  };
  document.addEventListener("DOMContentLoaded", typeset);
  document.addEventListener("htmx:afterSwap", typeset);
  document.addEventListener("htmx:oobAfterSwap", typeset);
})();
