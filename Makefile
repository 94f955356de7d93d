# OpenGANPU front door. `make help` lists the targets. Every target that needs a tool first
# runs scripts/bootstrap.sh, which installs whatever is missing (idempotent, about 1 s if not).

BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=
REPORTS := $(BUILD)/reports
TRACE   ?= $(BUILD)/waves/last.fst

.PHONY: help bootstrap build run run-layers test ctest lint synth exhaustive bench-dense bench-sparse bench-astm eors-census synth-all wave doctor format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

bootstrap: ## install the pinned tools that are missing (Debian packages, .venv)
	@scripts/bootstrap.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_CXX_COMPILER=g++ $(CMAKE_FLAGS)

build: bootstrap $(BUILD)/build.ninja ## configure and compile models, tests and programs
	cmake --build $(BUILD) -j $(JOBS)

TRAIN_STEPS ?= 50

run: build ## the main job: trains a small DCGAN on two 4x4 FP16 cores (sparse, adaptive ASTM), every layer checked -> build/reports/gan_train.json, .png
	@mkdir -p $(REPORTS)
	$(BUILD)/ganpu-sim train --config 4x4_fp16 --steps $(TRAIN_STEPS) --dense-baseline 25 \
	  --json $(REPORTS)/gan_train.json --samples $(REPORTS)/gan_samples
	.venv/bin/python scripts/plot_train.py $(REPORTS)/gan_train.json $(REPORTS)/gan_samples $(REPORTS)

run-layers: build ## the DCGAN layer list (sim/dcgan.json) x FP/EP/WG on 4x4 FP16, checked -> build/reports/run.json
	@mkdir -p $(REPORTS)
	$(BUILD)/ganpu-sim run --config 4x4_fp16 --layers sim/dcgan.json --json $(REPORTS)/run.json

test: bootstrap ## all tests (ctest) and the lint gate, with the synthesis gate beside them
	@scripts/test.sh "$(BUILD)" "$(JOBS)"

ctest: build ## only the ctest suite
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

lint: bootstrap ## verilator --lint-only -Wall on every module and configuration
	@scripts/lint.sh

synth: bootstrap ## yosys: generic and ECP5 synthesis (FP units, 4x4 FP16 core), no latches
	@scripts/synth.sh

synth-all: bootstrap ## synth, plus every accelerator configuration (16x16: long)
	@scripts/synth.sh '*'

exhaustive: build ## all 2^32 FP16 products and all FP32->FP16/BF16 conversions, RTL vs model
	@mkdir -p $(REPORTS)
	$(BUILD)/fp-exhaustive --json $(REPORTS)/exhaustive.json

BENCH_CONFIGS ?= 4x4_fp16,16x16_fp16
BENCH_LAYERS  ?= sim/dcgan.json,sim/dcgan_b16.json

bench-dense: build ## DCGAN at batch 2 and 16 x phases on 4x4 and 16x16 FP16 -> build/reports/bench_dense.json
	@mkdir -p $(REPORTS)
	$(BUILD)/ganpu-sim bench-dense --configs $(BENCH_CONFIGS) --layers $(BENCH_LAYERS) \
	  --json $(REPORTS)/bench_dense.json

SPARSE_CONFIGS ?= 4x4_fp16,16x16_fp16

bench-sparse: build ## dense vs sparse mode (zero skipping) on data of controlled sparsity -> build/reports/bench_sparse.json, .png
	@mkdir -p $(REPORTS)
	$(BUILD)/ganpu-sim bench-sparse --configs $(SPARSE_CONFIGS) --layers sim/sparse_layers.json \
	  --json $(REPORTS)/bench_sparse.json
	.venv/bin/python scripts/plot_sparse.py $(REPORTS)/bench_sparse.json $(REPORTS)/bench_sparse.png

ASTM_CONFIGS    ?= 4x4_fp16,16x16_fp16
ASTM_BANDWIDTHS ?= 8,4

bench-astm: build ## the GAN training step in each multiplexing mode x bandwidth x config -> build/reports/bench_astm.json
	@mkdir -p $(REPORTS)
	.venv/bin/python scripts/bench_astm.py $(BUILD)/ganpu-sim $(REPORTS)/bench_astm.json \
	  --configs $(ASTM_CONFIGS) --bandwidths $(ASTM_BANDWIDTHS)

eors-census: build ## EORS predictor vs exact ReLU on data of controlled sparsity (model) -> build/reports/eors_census.json
	@mkdir -p $(REPORTS)
	$(BUILD)/ganpu-sim eors-census --layers sim/sparse_layers.json --json $(REPORTS)/eors_census.json

wave: build ## open the last waveform ($(TRACE)) in GTKWave; records one if there is none
	@scripts/bootstrap.sh --wave
	@if [ ! -f $(TRACE) ]; then \
	  mkdir -p $(dir $(TRACE)); \
	  $(BUILD)/ganpu-sim layer sim/examples/conv2d_fp.json --out $(BUILD)/layer_out/wave \
	    --trace $(TRACE) --quiet; \
	fi
	@if [ -z "$$DISPLAY" ]; then \
	  echo "wave: no DISPLAY; open it where you have one: gtkwave -a sim/ganpu.gtkw $(TRACE)"; \
	  exit 1; \
	fi
	gtkwave -a sim/ganpu.gtkw $(TRACE)

doctor: ## pinned versus installed tool versions
	@scripts/doctor.sh

format: ## clang-format the C++ sources in place
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean: ## remove build outputs (keeps .venv)
	rm -rf $(BUILD)
