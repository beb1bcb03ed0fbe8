// Starts Swagger UI on /docs (the page may not run inline script): its settings come from
// the page's JSON data block.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("swagger-config").textContent);
  config.oauth2RedirectUrl = window.location.origin + config.oauth2RedirectPath;
  delete config.oauth2RedirectPath;
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
