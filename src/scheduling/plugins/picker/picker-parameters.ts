/** The parameter every picker shares (upstream name): how many endpoints to return, primary first. */
import { z } from "zod";
import { defaultMaxNumOfEndpoints } from "../../framework/picker.js";

export const pickerParametersSchema = z.strictObject({
  maxNumOfEndpoints: z.number().int().min(1).max(100).default(defaultMaxNumOfEndpoints),
});
