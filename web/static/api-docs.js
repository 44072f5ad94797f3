// The API's documentation page (/api/docs): Swagger UI, served by us from its npm package,
// draws /openapi.json; nothing is fetched from another host.

/* global SwaggerUIBundle */
window.atlaasDocs = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#api',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  // No validator badge: it would send the document to an outside host.
  validatorUrl: null,
});
