/** ONNX export by tracing (opset 17), written with protobufjs from the official onnx.proto. */
export {
  type Exportable,
  type ExportOnnxOptions,
  exportOnnx,
  exportOnnxSync,
  parameterNames,
} from "./export.js";
export { decodeModel, OPSET } from "./proto.js";
export { exportSeq2SeqOnnx, graphSignature, type Seq2SeqOnnx } from "./seq2seq.js";
export { exportTransformerOnnx, type TransformerOnnx } from "./transformer.js";
