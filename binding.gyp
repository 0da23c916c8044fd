{
  "targets": [
    {
      "target_name": "qkv_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/runtime.cc",
        "native/src/kernels_portable.cc",
        "native/src/kernels_avx2.cc",
        "native/src/kernels_avx512.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=fast", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
