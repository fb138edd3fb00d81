export { builtinImages, CatalogueError, loadCatalogue, parseCatalogue } from "./images.js";
export { createLocalDriver, LocalDriver, type LocalDriverOptions } from "./local-driver.js";
