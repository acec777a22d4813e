{
  "targets": [
    {
      "target_name": "seqcast_kernels",
      "sources": ["native/addon.cc"],
      "cflags!": ["-O2", "-fno-exceptions"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "<!@(node -p \"process.env.SEQCAST_KERNELS_MARCH || '-march=native'\")", "-ffp-contract=fast", "-fno-math-errno", "-std=gnu++17"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "<!@(node -p \"process.env.SEQCAST_KERNELS_MARCH || '-march=native'\")", "-ffp-contract=fast", "-fno-math-errno", "-std=gnu++17"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/arch:AVX2", "/fp:fast"] } }
    }
  ]
}
