// Starts Redoc (/api/redoc/) under the site's Content-Security-Policy, which
// allows no inline script: this file does what the page's inline script did.
// The styles Redoc injects must carry the page's nonce; browsers hide a nonce
// from attributes and keep it on the element's .nonce, so it is read there.
"use strict";
(() => {
  const script = document.currentScript;
  Redoc.init(script.dataset.specUrl, { nonce: script.nonce }, document.getElementById("redoc-container"));
})();
