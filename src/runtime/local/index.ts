export { builtinImages } from "./images.js";
export { createLocalDriver, LocalDriver, type LocalDriverOptions } from "./local-driver.js";
