// MathJax settings for the arithmatex markup; MathJax itself is vendored
// (vendor/mathjax-3.2.2, loaded after this file), so the pages need no network.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
    // The menu's accessibility explorer would fetch speech data from outside.
    enableMenu: false
  }
};

document$.subscribe(() => {
  MathJax.typesetPromise()
})
