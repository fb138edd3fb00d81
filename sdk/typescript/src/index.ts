export { type Backup, BerthClient, type BerthClientOptions, type WaitOptions } from "./client.js";
export { BerthError, errorMessage } from "./errors.js";
export {
  type Body,
  type HttpMethod,
  type JsonObject,
  type OperationName,
  operations,
  type Query,
  type Result,
} from "./operations.js";
