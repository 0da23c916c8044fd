/// <reference types="vite/client" />

declare module "virtual:qkv-models" {
  export const MODELS: {
    name: string;
    path: string;
    files: string[];
    role: "lstm-attention" | "lstm-none" | "transformer";
  }[];
}
