/** Entry point of `npm start`: berth on its embedded default, configured from the environment. */
import { serve } from "./serve.js";

void serve(process.env);
