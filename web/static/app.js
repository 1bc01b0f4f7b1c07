// @ts-check
/**
 * nsweb dashboard entry point: connects to the server and draws the
 * namespace tree.
 */

const app = document.getElementById("app");
if (app) {
  app.dataset.ready = "true";
}
document.documentElement.dataset.app = "ready";
