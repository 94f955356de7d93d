#!/usr/bin/env python3
"""End-to-end tests of `ganpu-sim layer` (docs/cli.md), with a real NumPy.

  test_cli.py --sim PATH/ganpu-sim --workdir DIR

Writes .npy inputs with NumPy, runs the simulator on the JSON specs of cli_fixtures/ and checks
what comes back: exit status, the .npy outputs (loaded by NumPy, compared with a float64
reference), the JSON report, the error messages and that a failing run leaves no output behind.
Everything goes to DIR/test_cli_run, which is emptied first. Prints one line per check and
finally "N passed, M failed"; the exit status is 0 only if nothing failed (2 on bad usage).
"""

import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys

import numpy as np

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli_fixtures")
TIMEOUT = 600  # seconds per simulator run

passed = 0
failed = 0


def check(name, ok, detail=""):
    """Records and prints one check."""
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    sys.stdout.flush()
    return ok


class Runner:
    def __init__(self, sim, root, config):
        self.sim = sim
        self.root = root
        self.config = config  # passed to every run that does not choose its own

    def case_dir(self, name, fixture=None):
        """A fresh folder for one case, with a copy of the fixture spec if given."""
        d = os.path.join(self.root, name)
        os.makedirs(d)
        if fixture:
            shutil.copy(os.path.join(FIXTURES, fixture), os.path.join(d, fixture))
        return d

    def run(self, args, cwd=None, **limits):
        if "--config" not in args:
            args = args + ["--config", self.config]
        return self.command(["layer"] + args, cwd=cwd, **limits)

    def command(self, args, cwd=None, file_size=None, memory=None):
        """ganpu-sim ARGS; file_size: files it writes may not grow beyond this many bytes
        (writes fail as on a full disk); memory: its address space, in bytes."""
        p = subprocess.run([self.sim] + args, cwd=cwd or self.root, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
                           preexec_fn=lambda: limit(file_size, memory))
        return p.returncode, p.stdout, p.stderr


def limit(file_size, memory):
    """In the child, before exec: the resource limits of Runner.command."""
    if file_size is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    if memory is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def one_error_line(rc, se, words=()):
    """Status 2 and one line "error: ..." on stderr containing every word."""
    lines = se.splitlines()
    return (rc == 2 and len(lines) == 1 and lines[0].startswith("error: ") and
            all(w in se for w in words))


def write_json(d, name, obj):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def tree(d):
    """Every file and folder under d, relative, sorted."""
    out = []
    for base, dirs, files in os.walk(d):
        out += [os.path.relpath(os.path.join(base, x), d) for x in dirs + files]
    return sorted(out)


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def load_report(path):
    with open(path) as f:
        return json.load(f)


def conv2d_reference(x, w, b, stride, pad):
    """torch.nn.functional.conv2d in float64: x (N,C,H,W), w (O,C,KH,KW), b (O)."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((n, o, oh, ow))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, ky, kx])
    return y + b.astype(np.float64)[None, :, None, None]


def write_conv_inputs(d, rng, x_dtype=np.float16, w_shape=(8, 3, 3, 3)):
    """The inputs of cli_fixtures/conv2d_fp_relu.json, as PyTorch would export them."""
    x = np.abs(rng.standard_normal((2, 3, 9, 9))).astype(x_dtype)
    w = (rng.standard_normal(w_shape) / np.sqrt(27)).astype(np.float16)
    b = (0.1 * rng.standard_normal(8)).astype(np.float16)
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "w.npy"), w)
    np.save(os.path.join(d, "b.npy"), b)
    return x, w, b


def test_forward_from_numpy(r):
    """1. conv2d FP + ReLU from NumPy-written tensors, against a NumPy float64 reference."""
    d = r.case_dir("fp_numpy", "conv2d_fp_relu.json")
    rng = np.random.default_rng(7)
    x, w, b = write_conv_inputs(d, rng)
    out = os.path.join(d, "out")
    rc, so, se = r.run([os.path.join(d, "conv2d_fp_relu.json"), "--out", out])
    check("fp from .npy: exit 0", rc == 0, f"exit {rc}; stderr: {se.strip()}")
    check("fp from .npy: no progress output when stderr is not a terminal",
          "job" not in se, repr(se))
    check("fp from .npy: summary printed", "cycles" in so and "PASS" in so, so)
    y_path, m_path = os.path.join(out, "y.npy"), os.path.join(out, "mask.npy")
    if not check("fp from .npy: y.npy and mask.npy written",
                 os.path.isfile(y_path) and os.path.isfile(m_path), str(os.listdir(d))):
        return
    y = np.load(y_path)
    mask = np.load(m_path)
    check("fp from .npy: y is float16 (2, 8, 5, 5)",
          y.dtype == np.float16 and y.shape == (2, 8, 5, 5), f"{y.dtype} {y.shape}")
    check("fp from .npy: mask is uint8 (2, 8, 5, 5) of 0/1",
          mask.dtype == np.uint8 and mask.shape == y.shape and set(np.unique(mask)) <= {0, 1},
          f"{mask.dtype} {mask.shape} {np.unique(mask)}")
    z = conv2d_reference(x, w, b, stride=2, pad=1)
    ref = np.maximum(z, 0.0)
    err = np.max(np.abs(y.astype(np.float64) - ref))
    tol = 1e-2 * np.max(np.abs(ref))
    check("fp from .npy: y matches the NumPy float64 reference (PyTorch layouts)",
          err <= tol, f"max |y - ref| = {err:.3g} > {tol:.3g}")
    clear = np.abs(z) > tol  # away from 0, the mask is (z > 0)
    check("fp from .npy: mask is z > 0 of the reference",
          np.array_equal(mask[clear], (z[clear] > 0).astype(np.uint8)) and
          np.all(y[mask == 0] == 0), "")
    rep = load_report(os.path.join(out, "report.json"))
    check("fp from .npy: report has mismatches 0, out_of_bound 0, cycles > 0",
          rep.get("mismatches") == 0 and rep.get("out_of_bound") == 0 and
          rep.get("cycles", 0) > 0, json.dumps({k: rep.get(k) for k in
                                                ("mismatches", "out_of_bound", "cycles")}))
    check("fp from .npy: report names the spec, config, seed and tensors",
          rep.get("spec", {}).get("layer") == "conv2d" and rep.get("config") == r.config and
          rep.get("seed") == 1 and rep.get("tensors", {}).get("x", "").endswith("x.npy") and
          isinstance(rep.get("git_commit"), str) and rep.get("ideal_cycles", 0) > 0 and
          isinstance(rep.get("macs"), int), json.dumps(rep)[:400])
    # MACs count real products only, as PyTorch computes them (none with the zero padding).
    real = conv2d_reference(np.ones_like(x), np.ones_like(w), np.zeros_like(b), 2, 1).sum()
    check("fp from .npy: report macs are the real products (no padding)",
          rep.get("macs") == int(real), f"{rep.get('macs')} != {int(real)}")


def test_generated(r):
    """2. Tensors generated from the seed: conv_transpose2d FP, conv2d EP, linear WG."""
    cases = [
        ("conv_transpose2d_fp.json", {"y.npy": ((2, 3, 10, 12), np.float16)}, ["mask.npy"]),
        ("conv2d_ep.json", {"dx.npy": ((2, 3, 9, 7), np.float16)}, []),
        ("linear_wg.json", {"dw.npy": ((6, 20), np.float32), "db.npy": ((6,), np.float32)}, []),
    ]
    for fixture, files, absent in cases:
        name = fixture[:-5]
        d = r.case_dir("gen_" + name, fixture)
        out = os.path.join(d, "out")
        rc, so, se = r.run([os.path.join(d, fixture), "--out", out, "--seed", "3"])
        check(f"generated {name}: exit 0", rc == 0, f"exit {rc}; stderr: {se.strip()}")
        for f, (shape, dtype) in files.items():
            p = os.path.join(out, f)
            if not check(f"generated {name}: {f} written", os.path.isfile(p)):
                continue
            a = np.load(p)
            check(f"generated {name}: {f} is {np.dtype(dtype).name} {shape}",
                  a.shape == shape and a.dtype == dtype and np.all(np.isfinite(a)),
                  f"{a.dtype} {a.shape}")
        for f in absent:
            check(f"generated {name}: no {f}", not os.path.exists(os.path.join(out, f)))
        rep_path = os.path.join(out, "report.json")
        if check(f"generated {name}: report.json written", os.path.isfile(rep_path)):
            rep = load_report(rep_path)
            check(f"generated {name}: report mismatches 0, tensors generated",
                  rep.get("mismatches") == 0 and rep.get("cycles", 0) > 0 and
                  all(v.startswith("generated") for v in rep.get("tensors", {}).values()),
                  json.dumps(rep)[:300])


def test_bad_inputs(r):
    """3. Bad input: exit 2, the problem named on stderr, no output folder."""
    rng = np.random.default_rng(11)
    cases = []  # (name, args, words that stderr must contain)

    d = r.case_dir("bad_malformed", "bad_malformed.json")
    cases.append(("malformed JSON", [os.path.join(d, "bad_malformed.json")],
                  ["malformed JSON", "bad_malformed.json"]))
    d = r.case_dir("bad_unknown", "bad_unknown_field.json")
    cases.append(("unknown field", [os.path.join(d, "bad_unknown_field.json")],
                  ["unknown field", "ceil_mode"]))
    with open(os.path.join(FIXTURES, "conv2d_fp_relu.json")) as f:
        conv_spec = json.load(f)
    for field, value, words in (("dilation", 2, ["dilation: 2 is not supported (only 1)"]),
                                ("dilation", [1, 2], ["dilation: [1, 2] is not supported"]),
                                ("groups", 3, ["groups: 3 is not supported (only 1)"]),
                                ("padding_mode", "reflect",
                                 ["padding_mode: 'reflect' is not supported (only 'zeros')"])):
        d = r.case_dir(f"bad_{field}_{len(cases)}")
        write_conv_inputs(d, rng)
        path = write_json(d, "spec.json", dict(conv_spec, **{field: value}))
        cases.append((f"{field} {json.dumps(value)}", [path], ["spec.json"] + words))
    d = r.case_dir("bad_dtype", "conv2d_fp_relu.json")
    write_conv_inputs(d, rng, x_dtype=np.uint16)
    cases.append(("wrong dtype (uint16 x for FP16)", [os.path.join(d, "conv2d_fp_relu.json")],
                  ["x", "x.npy", "<f2", "<f4", "<f8", "got <u2"]))
    d = r.case_dir("bad_int_dtype", "conv2d_fp_relu.json")
    write_conv_inputs(d, rng, x_dtype=np.int32)
    cases.append(("unsupported dtype (int32 x)", [os.path.join(d, "conv2d_fp_relu.json")],
                  ["tensor x", "x.npy", "unsupported dtype '<i4'"]))
    d = r.case_dir("bad_shape", "conv2d_fp_relu.json")
    write_conv_inputs(d, rng, w_shape=(8, 3, 3, 2))
    cases.append(("wrong shape (w)", [os.path.join(d, "conv2d_fp_relu.json")],
                  ["w.npy", "(8, 3, 3, 3)", "(8, 3, 3, 2)"]))
    d = r.case_dir("bad_missing", "conv2d_fp_relu.json")
    write_conv_inputs(d, rng)
    os.remove(os.path.join(d, "b.npy"))
    cases.append(("missing .npy file", [os.path.join(d, "conv2d_fp_relu.json")],
                  ["b.npy", "No such file"]))
    d = r.case_dir("bad_config", "conv_transpose2d_fp.json")
    cases.append(("unknown --config", [os.path.join(d, "conv_transpose2d_fp.json"),
                                       "--config", "8x8_fp16"],
                  ["8x8_fp16", "unknown configuration", r.config]))
    d = r.case_dir("bad_format", "bad_bf16_spec.json")
    cases.append(("--config of another format than the spec",
                  [os.path.join(d, "bad_bf16_spec.json")], ["bf16", "fp16", r.config]))
    d = r.case_dir("bad_too_big", "fp_input_too_big.json")
    # The middle output row needs 5 input rows x 2048 = 10,240 input elements of its one
    # channel on chip, more than the A buffer's 8,192 (channels are split into groups, but
    # the rows of one channel that a kernel spans are not).
    cases.append(("layer the hardware cannot run", [os.path.join(d, "fp_input_too_big.json")],
                  ["cannot run", "does not fit the A buffer", "8192"]))
    d = r.case_dir("bad_stride", "bad_stride0.json")
    cases.append(("invalid value (stride 0)", [os.path.join(d, "bad_stride0.json")],
                  ["stride", "at least 1"]))
    d = r.case_dir("bad_trace_window", "conv2d_ep.json")
    cases.append(("--trace-end before --trace-start",
                  [os.path.join(d, "conv2d_ep.json"), "--trace", os.path.join(d, "out", "t.fst"),
                   "--trace-start", "50", "--trace-end", "10"], ["--trace-end"]))

    for name, args, words in cases:
        spec_dir = os.path.dirname(args[0])
        out = os.path.join(spec_dir, "out")
        rc, so, se = r.run(args + ["--out", out])
        check(f"bad input, {name}: exit 2", rc == 2, f"exit {rc}; stderr: {se.strip()}")
        lines = se.strip().splitlines()
        check(f"bad input, {name}: one line on stderr naming the problem",
              len(lines) == 1 and lines[0].startswith("error: ") and
              all(w in se for w in words), f"want {words} in {se!r}")
        check(f"bad input, {name}: no output folder", not os.path.exists(out),
              str(os.listdir(out)) if os.path.isdir(out) else "a file")


def test_trace(r):
    """4. A waveform of a window of cycles."""
    d = r.case_dir("trace", "conv2d_ep.json")
    trace = os.path.join(d, "waves", "t.fst")
    out = os.path.join(d, "out")
    rc, so, se = r.run([os.path.join(d, "conv2d_ep.json"), "--out", out, "--trace", trace,
                        "--trace-start", "10", "--trace-end", "200"])
    check("trace: exit 0", rc == 0, f"exit {rc}; stderr: {se.strip()}")
    check("trace: non-empty FST file", os.path.isfile(trace) and os.path.getsize(trace) > 0)
    with open(trace, "rb") as f:
        head = f.read(1)
    check("trace: FST header block", head == b"\x00", repr(head))  # FST_BL_HDR
    leftovers = [f for f in os.listdir(os.path.dirname(trace)) if f != "t.fst"]
    check("trace: no temporary files left", not leftovers, str(leftovers))


def test_options(r):
    """--no-check, --report, --quiet, the default output folder, --help."""
    d = r.case_dir("options", "conv_transpose2d_fp.json")
    report = os.path.join(d, "reports", "r.json")
    rc, so, se = r.run(["conv_transpose2d_fp.json", "--no-check", "--quiet", "--report", report,
                        "--mem-latency", "5", "--mem-bandwidth", "16"], cwd=d)
    check("options: --no-check --quiet exit 0 and print nothing", rc == 0 and so == "" and
          se == "", f"exit {rc}; stdout {so!r}; stderr {se!r}")
    default_out = os.path.join(d, "build", "layer_out", "conv_transpose2d_fp")
    check("options: default --out is build/layer_out/<spec stem>",
          os.path.isfile(os.path.join(default_out, "y.npy")), str(os.listdir(d)))
    check("options: --report puts the report elsewhere",
          os.path.isfile(report) and not os.path.exists(os.path.join(default_out, "report.json")))
    if os.path.isfile(report):
        rep = load_report(report)
        check("options: report records --no-check and the memory timing",
              rep.get("checked") is False and rep.get("mem_latency_cycles") == 5 and
              rep.get("mem_bandwidth_bytes_per_cycle") == 16, json.dumps(rep)[:300])
    # The same seed gives the same tensors, so the same outputs.
    rc, so, se = r.run(["conv_transpose2d_fp.json", "--out", "again", "--quiet"], cwd=d)
    same = rc == 0 and np.array_equal(np.load(os.path.join(d, "again", "y.npy")),
                                      np.load(os.path.join(default_out, "y.npy")))
    check("options: deterministic for a seed", same, f"exit {rc} {se}")

    p = subprocess.run([r.sim, "layer", "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    opts = ["--config", "--seed", "--out", "--no-check", "--report", "--mem-latency",
            "--mem-bandwidth", "--trace", "--trace-start", "--trace-end", "--quiet"]
    missing = [o for o in opts if o not in p.stdout]
    check("--help mentions every option", not missing, f"missing {missing}")


def run_network(r, command, args, cwd=None):
    """`ganpu-sim run` or `bench-dense` with the runner's configuration."""
    opt = "--config" if command == "run" else "--configs"
    p = subprocess.run([r.sim, command] + args + [opt, r.config], cwd=cwd or r.root,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def write_list(d, name, batch=1, **layer):
    """A one-layer list (a small linear layer unless fields are given) in d/name.json."""
    fields = {"name": "L", "network": "n", "layer": "linear", "in_features": 4,
              "out_features": 4, "bias": True, "activation": "relu"}
    fields.update(layer)
    path = os.path.join(d, name + ".json")
    with open(path, "w") as f:
        json.dump({"name": name, "batch": batch, "layers": [fields]}, f)
    return path


def test_layer_lists(r):
    """`run` and `bench-dense` layer lists: the messages of bad fields (through the job-file
    parser), several lists in one bench, and the roofline fields of the report."""
    d = r.case_dir("layer_lists")
    bad = write_list(d, "bad", layer="conv2d", in_channels=1, out_channels=1, input_size=4,
                     kernel_size="3", in_features=None, out_features=None)
    # in_features/out_features None: drop them (a conv layer names channels instead).
    with open(bad) as f:
        j = json.load(f)
    j["layers"][0] = {k: v for k, v in j["layers"][0].items() if v is not None}
    with open(bad, "w") as f:
        json.dump(j, f)
    report = os.path.join(d, "report.json")
    rc, so, se = run_network(r, "run", ["--layers", bad, "--json", report])
    want = (f"{bad}: layers[0] (L): kernel_size: expected an integer or a pair of integers, "
            "got string")
    check("run: a bad layer field names the list, the layer and the field (exit 2)",
          rc == 2 and se.strip() == "error: " + want and so == "", f"rc {rc}, stderr {se!r}")
    check("run: no report after bad input", not os.path.exists(report))
    typo = write_list(d, "typo", strides=2)
    rc, so, se = run_network(r, "run", ["--layers", typo])
    check("run: an unknown layer field gets the job-file parser's message",
          rc == 2 and f"{typo}: layers[0] (L): unknown field 'strides'" in se, se.strip())

    a = write_list(d, "a", batch=1)
    b = write_list(d, "b", batch=3)
    same = os.path.join(d, "same.json")
    shutil.copy(a, same)
    rc, so, se = run_network(r, "bench-dense", ["--layers", f"{a},{same}"])
    check("bench-dense: two lists of the same name are bad input",
          rc == 2 and "are both named 'a'" in se and so == "", se.strip())
    rc, so, se = run_network(r, "bench-dense", ["--layers", f"{a},{b}", "--json", report])
    ok = rc == 0 and os.path.exists(report)
    check("bench-dense: two lists, PASS", ok and "PASS" in so, f"rc {rc}, {se.strip()}")
    if not ok:
        return
    rep = load_report(report)
    recs = rep["records"]
    check("bench-dense: 3 records per list, each naming its list and batch",
          [(x["layer_list"], x["batch"]) for x in recs] == [("a", 1)] * 3 + [("b", 3)] * 3)
    fp = recs[3]
    # linear 4 -> 4, batch 3, bias, ReLU: x 12, w 16, b 4 read; y 12 written + 2 mask bytes.
    check("bench-dense: min_bytes of FP (x, w, b read; y and mask bits written)",
          fp["min_bytes"] == 2 * (12 + 16 + 4) + 2 * 12 + 2, str(fp["min_bytes"]))
    check("bench-dense: roofline_cycles and roofline_pct",
          fp["roofline_cycles"] == max(-(-fp["macs"] // 16), -(-fp["min_bytes"] // 8)) and
          abs(fp["roofline_pct"] - 100.0 * fp["roofline_cycles"] / fp["cycles"]) < 1e-9,
          json.dumps(fp))
    c = rep["configs"][0]
    check("bench-dense: per-configuration totals over both lists",
          c["total_cycles"] == sum(x["cycles"] for x in recs) and
          c["total_roofline_cycles"] == sum(x["roofline_cycles"] for x in recs) and
          len(c["layer_lists"]) == 2 and c["sim_cycles_per_cpu_second"] > 0 and
          c["worst_roofline_record"]["roofline_pct"] == min(x["roofline_pct"] for x in recs))


def test_bench_sparse(r):
    """`bench-sparse`: bad points and configurations are one-line errors with no report; a
    small run writes one record per case and phase, each checked against the model."""
    d = r.case_dir("bench_sparse")
    lst = write_list(d, "small", batch=4, in_features=24, out_features=8)
    report = os.path.join(d, "report.json")
    for name, args, words in [
        ("a point without a slash", ["--points", "90"], ["--points", "'90'"]),
        ("a point above 100", ["--points", "0/101"], ["--points", "'0/101'"]),
        ("an unknown phase", ["--phases", "fp,xx"], ["--phases", "'xx'"]),
    ]:
        rc, so, se = run_network(r, "bench-sparse", ["--layers", lst, "--json", report] + args)
        check(f"bench-sparse: {name}: exit 2, one line naming it, no report",
              one_error_line(rc, se, words) and not os.path.exists(report),
              f"exit {rc}; stderr {se!r}")
    p = subprocess.run([r.sim, "bench-sparse", "--layers", lst, "--configs", "9x9_fp16"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=TIMEOUT)
    check("bench-sparse: an unknown configuration is refused in one line",
          one_error_line(p.returncode, p.stderr, ["--configs", "'9x9_fp16'"]), p.stderr)
    rc, so, se = run_network(r, "bench-sparse", ["--layers", lst, "--points", "0/0,50/50",
                                                 "--phases", "fp,ep", "--json", report])
    ok = rc == 0 and os.path.exists(report)
    check("bench-sparse: two points x two phases, exit 0", ok, f"rc {rc}, {se.strip()}")
    if not ok:
        return
    recs = load_report(report)["records"]
    check("bench-sparse: one record per point and phase, in order",
          [(x["phase"], round(x["in_sparsity_pct"])) for x in recs] ==
          [("fp", 0), ("ep", 0), ("fp", 50), ("ep", 50)], json.dumps(recs)[:400])
    check("bench-sparse: every run equals the golden model; speedup = dense / sparse cycles",
          all(x["mismatches_dense"] == 0 and x["mismatches_sparse"] == 0 and
              x["dense_cycles"] > 0 and
              abs(x["speedup"] - x["dense_cycles"] / x["sparse_cycles"]) < 1e-9 for x in recs),
          json.dumps(recs)[:400])
    check("bench-sparse: sparse mode takes fewer MACs at 50% zeros",
          recs[2]["macs_sparse"] < recs[2]["macs_dense"], json.dumps(recs[2]))


def run_train(r, args):
    """`ganpu-sim train` on the runner's configuration."""
    p = subprocess.run([r.sim, "train", "--config", r.config] + args, cwd=r.root,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def test_train(r):
    """`train`: bad data, weights and paths are one-line errors naming the option, with no
    output; a 2-step run prints a row per step, writes the report, the samples and the
    weights (state_dict names, PyTorch shapes), which --init reads back."""
    d = r.case_dir("train")
    report = os.path.join(d, "train.json")
    flat = os.path.join(d, "flat.npy")
    np.save(flat, np.zeros((20, 256), np.float32))
    loud = os.path.join(d, "loud.npy")
    np.save(loud, np.full((20, 1, 16, 16), 2.0, np.float32))
    ints = os.path.join(d, "ints.npy")
    np.save(ints, np.zeros((20, 16, 16), np.int32))
    few = os.path.join(d, "few.npy")
    np.save(few, np.zeros((3, 16, 16), np.float32))
    for name, args, words in [
        ("images of the wrong shape", ["--data", flat], ["--data", "shape (20, 256)"]),
        ("values outside [-1, 1]", ["--data", loud], ["--data", "outside [-1, 1]"]),
        ("a dtype that is not float", ["--data", ints], ["--data", "dtype"]),
        ("fewer images than a batch", ["--data", few], ["--data", "3 images", "batch of 16"]),
        ("fewer built-in images than a batch", ["--images", "8"], ["--images", "batch of 16"]),
        ("a missing --init folder", ["--init", os.path.join(d, "none")], ["--init", "none"]),
        ("an odd --g-ch", ["--g-ch", "5"], ["--g-ch", "even"]),
        ("zero steps", ["--steps", "0"], ["--steps"]),
    ]:
        rc, so, se = run_train(r, ["--golden", "--json", report] + args)
        check(f"train: {name}: exit 2, one line naming it, no report",
              one_error_line(rc, se, words) and not os.path.exists(report),
              f"exit {rc}; stderr {se!r}")
    samples = os.path.join(d, "samples")
    weights = os.path.join(d, "weights")
    rc, so, se = run_train(r, ["--steps", "2", "--batch", "4", "--g-ch", "8", "--dense-baseline",
                               "2", "--json", report, "--samples", samples, "--export", weights])
    ok = rc == 0 and os.path.exists(report)
    check("train: 2 steps on the accelerator, exit 0", ok, f"rc {rc}, {se.strip()}")
    if not ok:
        return
    rep = load_report(report)
    rows = [ln for ln in so.splitlines() if ln.split()[:1] in (["1"], ["2"])]
    check("train: a table row per step, and a summary with 0 mismatches",
          len(rows) == 2 and "mismatches 0" in so, so[-600:])
    check("train: the report's totals add up and every phase equals the golden model",
          rep["steps"] == 2 and rep["mismatches"] == 0 and len(rep["d_loss"]) == 2 and
          rep["total_cycles"] == sum(x["cycles"] for x in rep["per_step"]) and
          all(x["mismatches"] == 0 for x in rep["records"]) and
          rep["speedup_vs_dense"] > 1.0 and rep["baseline_steps"] == 2 and
          rep["mode"] == "adaptive" and rep["speedup_vs_temporal"] > 0 and
          all(x["temporal_cycles"] > 0 for x in rep["per_step"]), json.dumps(rep)[:500])
    # Each phase's jobs as the cores ran them: within its clock span, which its cycles measure;
    # on each core, one job at a time.
    recs = rep["records"]
    jobs = sorted((c, s0, e) for x in recs for c, s0, e in x["spans"])
    check("train: each phase's jobs lie in its clock span, one at a time per core",
          rep["cores"] == 2 and
          all(x["start_cycle"] == min(s0 for _, s0, _ in x["spans"]) and
              x["end_cycle"] == max(e for _, _, e in x["spans"]) and
              x["cycles"] == x["end_cycle"] - x["start_cycle"] for x in recs) and
          all(a[2] < b[1] for a, b in zip(jobs, jobs[1:]) if a[0] == b[0]) and
          {c for c, _, _ in jobs} == {0, 1}, str(jobs[:6]))
    start = np.load(os.path.join(samples, "samples_start.npy"))
    check("train: samples of shape (4, 1, 16, 16) in [-1, 1]",
          start.shape == (4, 1, 16, 16) and np.abs(start).max() <= 1.0, str(start.shape))
    w = np.load(os.path.join(weights, "G.up1.weight.npy"))
    check("train: G.up1.weight exported as float32 (in, out, kh, kw) = (8, 4, 4, 4)",
          w.dtype == np.float32 and w.shape == (8, 4, 4, 4), f"{w.dtype} {w.shape}")
    again = os.path.join(d, "again")
    rc, so, se = run_train(r, ["--golden", "--steps", "1", "--batch", "4", "--g-ch", "8",
                               "--init", weights, "--samples", again])
    check("train: --init reads the exported weights back", rc == 0, se.strip())
    bad = os.path.join(d, "bad_weights")
    shutil.copytree(weights, bad)
    np.save(os.path.join(bad, "D.fc.bias.npy"), np.zeros(3, np.float32))
    rc, so, se = run_train(r, ["--golden", "--steps", "1", "--batch", "4", "--g-ch", "8",
                               "--init", bad])
    check("train: --init with a wrong shape names the file", one_error_line(
        rc, se, ["--init", "D.fc.bias.npy", "(1,)"]), se.strip())


LINEAR = {"layer": "linear", "phase": "fp", "batch": 1, "in_features": 1, "out_features": 1}
GIB = 1 << 30


def test_hostile_sizes(r):
    """Sizes that overflow or exhaust memory: a message naming the field, not a crash, an
    `internal error` or an allocation (the runs get 2 GiB of address space)."""
    d = r.case_dir("hostile_sizes")
    big = 2**31 - 1
    conv = {"layer": "conv2d", "phase": "fp", "batch": 1, "in_channels": 1, "out_channels": 1,
            "input_size": 1, "kernel_size": 1}
    cases = [
        # 65536 channels and a 65536 kernel (fitting the padding): w has 2^64 elements.
        ("weight count wrapping to 0", dict(conv, in_channels=65536, out_channels=65536,
                                            kernel_size=65536, padding=32768),
         ["w: out_channels * in_channels * kernel_h * kernel_w", "2147483647"]),
        ("batch 2^31-1", dict(LINEAR, batch=big), ["tensors exceed 4 GiB"]),
        ("in_channels 2^31-1", dict(conv, in_channels=big), ["tensors exceed 4 GiB"]),
        ("input_size 2^31-1", dict(conv, phase="ep", input_size=[big, 1]),
         ["tensors exceed 4 GiB"]),
        ("2 x 2^31-1 elements", dict(LINEAR, batch=big, in_features=2),
         ["x: batch * in_channels", "must be at most 2147483647"]),
    ]
    for i, (name, spec, words) in enumerate(cases):
        path = write_json(d, f"spec{i}.json", spec)
        out = os.path.join(d, f"out{i}")
        rc, so, se = r.run([path, "--out", out], memory=2 * GIB)
        check(f"hostile sizes, {name}: exit 2, one line naming the problem",
              one_error_line(rc, se, words) and "internal error" not in se,
              f"exit {rc}; stderr {se!r}")
        check(f"hostile sizes, {name}: no output folder", not os.path.exists(out))
    rc, so, se = r.run(["/dev/zero", "--out", os.path.join(d, "zero")], memory=2 * GIB)
    check("hostile sizes, spec /dev/zero: exit 2, one line",
          one_error_line(rc, se, ["/dev/zero", "larger than 16 MiB"]), f"exit {rc}; {se!r}")


def test_hostile_nesting(r):
    """A million nested arrays in a field of a layer list or a spec: an error, not a stack
    overflow."""
    d = r.case_dir("hostile_nesting")
    deep = "[" * 1000000 + "]" * 1000000
    lst = os.path.join(d, "deep_list.json")
    with open(lst, "w") as f:
        f.write('{"name": "deep", "batch": 1, "layers": [{"name": "L", "network": "n", '
                '"layer": "linear", "in_features": 1, "out_features": 1, "stride": ' + deep +
                "}]}")
    report = os.path.join(d, "report.json")
    rc, so, se = run_network(r, "run", ["--layers", lst, "--json", report])
    check("hostile nesting, layer list: exit 2, one line",
          one_error_line(rc, se, ["deep_list.json", "nested deeper than 32 levels"]),
          f"exit {rc}; stderr {se[:300]!r}")
    check("hostile nesting, layer list: no report", not os.path.exists(report))
    spec = os.path.join(d, "deep_spec.json")
    with open(spec, "w") as f:
        f.write(json.dumps(LINEAR)[:-1] + ', "bias": ' + deep + "}")
    rc, so, se = r.run([spec, "--out", os.path.join(d, "out")])
    check("hostile nesting, spec: exit 2, one line",
          one_error_line(rc, se, ["nested deeper than 32 levels"]), f"exit {rc}; {se[:300]!r}")


def test_outputs_kept(r):
    """A failing run never destroys an earlier run's results, and removes the folders it
    created, also through a symlink; every report is written to a temporary file first."""
    d = r.case_dir("kept", "conv2d_fp_relu.json")
    spec = os.path.join(d, "conv2d_fp_relu.json")
    write_conv_inputs(d, np.random.default_rng(5))
    out = os.path.join(d, "out")
    rc, so, se = r.run([spec, "--out", out, "--quiet"])
    check("kept: the first run", rc == 0, se.strip())
    before = {f: file_bytes(os.path.join(out, f)) for f in os.listdir(out)}
    for opt, target in (("--report", "y.npy"), ("--trace", "mask.npy"),
                        ("--report", "y.npy.part")):
        rc, so, se = r.run([spec, "--out", out, opt, os.path.join(out, target), "--quiet"])
        check(f"kept: {opt} {target} in --out: exit 2, the two outputs named",
              one_error_line(rc, se, [opt, target, "the same file as"]), f"exit {rc}; {se!r}")
        after = {f: file_bytes(os.path.join(out, f)) for f in os.listdir(out)}
        check(f"kept: {opt} {target}: the earlier results are untouched", after == before,
              f"{sorted(before)} -> {sorted(after)}")
    # A write that fails (a file size limit, as a full disk) in a run that writes into an
    # earlier run's folder: the earlier files stay, whole.
    rc, so, se = r.run([spec, "--out", out, "--seed", "9"], file_size=1000)
    check("kept: a failing write: exit 2, one line", one_error_line(rc, se, ["File too large"]),
          f"exit {rc}; {se!r}")
    after = {f: file_bytes(os.path.join(out, f)) for f in os.listdir(out)}
    check("kept: a failing write: the earlier results are untouched", after == before,
          f"{sorted(before)} -> {sorted(after)}")

    # Folders created through a symlink: link/.. is the link target's parent.
    elsewhere = os.path.join(d, "elsewhere")
    os.makedirs(os.path.join(elsewhere, "inner"))
    os.symlink(os.path.join(elsewhere, "inner"), os.path.join(d, "link"))
    via_link = os.path.join(d, "link", "..", "fresh", "out")
    rc, so, se = r.run([spec, "--out", via_link], file_size=1000)
    check("kept: symlinked --out of a failing run: exit 2", rc == 2, f"exit {rc}; {se!r}")
    rc, so, se = r.run([os.path.join(FIXTURES, "fp_input_too_big.json"), "--out", out,
                        "--trace", os.path.join(d, "link", "..", "waves", "t.fst")])
    check("kept: symlinked --trace of a run that cannot run: exit 2", rc == 2, f"exit {rc}")
    check("kept: the folders those runs created are gone", tree(elsewhere) == ["inner"],
          str(tree(elsewhere)))

    # run --json and fp-dot --json: an earlier report stays whole when writing fails.
    lst = write_list(d, "one")
    done = []  # the reports written so far
    for name, args in (("run", ["run", "--layers", lst, "--config", r.config]),
                       ("fp-dot", ["fp-dot", "--length", "8"])):
        report = os.path.join(d, "reports", name + ".json")
        rc, so, se = r.command(args + ["--json", report])
        check(f"kept: {name} --json writes its report (creating the folder)",
              rc == 0 and os.path.isfile(report), f"exit {rc}; {se!r}")
        first = file_bytes(report)
        done.append(name + ".json")
        rc, so, se = r.command(args + ["--json", report, "--seed", "2"], file_size=100)
        check(f"kept: {name} --json failing to write: exit 2, one line naming --json",
              one_error_line(rc, se, ["--json", report, "File too large"]), f"exit {rc}; {se!r}")
        check(f"kept: {name} --json failing to write: the earlier report is whole, alone",
              file_bytes(report) == first and
              sorted(os.listdir(os.path.dirname(report))) == sorted(done),
              str(os.listdir(os.path.dirname(report))))
        fresh = os.path.join(d, "fresh_" + name, "r.json")
        rc, so, se = r.command(args + ["--json", fresh], file_size=100)
        check(f"kept: {name} --json failing to write: no folder left",
              rc == 2 and not os.path.exists(os.path.dirname(fresh)), f"exit {rc}; {se!r}")
    rc, so, se = r.command(["run", "--layers", lst, "--config", r.config, "--json", "/dev/null"])
    check("kept: run --json refuses to replace a device",
          one_error_line(rc, se, ["--json /dev/null", "not a regular file"]) and so == "",
          f"exit {rc}; {se!r}")


def test_option_values(r):
    """Option values are checked strictly, and every usage error is one line."""
    d = r.case_dir("option_values", "conv2d_ep.json")
    spec = os.path.join(d, "conv2d_ep.json")
    lst = write_list(d, "one")
    cases = [
        ("layer --seed -1", ["layer", spec, "--seed", "-1"], ["--seed", "-1"]),
        ("layer --seed 2^64", ["layer", spec, "--seed", str(2**64)], ["--seed", str(2**64)]),
        ("layer --seed 0x10", ["layer", spec, "--seed", "0x10"], ["--seed"]),
        ("run --seed -1", ["run", "--layers", lst, "--seed", "-1"], ["--seed"]),
        ("layer --trace-end -1", ["layer", spec, "--trace", os.path.join(d, "t.fst"),
                                  "--trace-end", "-1"], ["--trace-end"]),
        ("layer --mem-bandwidth nan", ["layer", spec, "--mem-bandwidth", "nan"],
         ["--mem-bandwidth", "nan"]),
        ("layer --mem-bandwidth inf", ["layer", spec, "--mem-bandwidth", "inf"],
         ["--mem-bandwidth"]),
        ("run --mem-bandwidth nan", ["run", "--layers", lst, "--mem-bandwidth", "nan"],
         ["--mem-bandwidth"]),
        ("layer --out ''", ["layer", spec, "--out", ""], ["--out", "empty"]),
        ("layer --report ''", ["layer", spec, "--report", ""], ["--report", "empty"]),
        ("layer --trace ''", ["layer", spec, "--trace", ""], ["--trace", "empty"]),
        ("run --json ''", ["run", "--layers", lst, "--json", ""], ["--json", "empty"]),
        ("layer without a spec", ["layer"], ["spec"]),
        ("layer with an unknown option", ["layer", spec, "--bogus"], ["--bogus"]),
        ("no subcommand", [], ["subcommand"]),
        ("run with an unknown option", ["run", "--bogus"], ["--bogus"]),
        ("a spec path with a newline", ["layer", "no\nsuch.json"], ["no\\nsuch.json"]),
        ("a layer list path with a newline", ["run", "--layers", "no\nsuch.json"],
         ["no\\nsuch.json"]),
    ]
    for name, args, words in cases:
        rc, so, se = r.command(args, cwd=d)
        check(f"option values, {name}: exit 2, one line naming it",
              one_error_line(rc, se, words) and so == "", f"exit {rc}; stderr {se!r}")
    check("option values: nothing written (no default output folder)",
          sorted(os.listdir(d)) == ["conv2d_ep.json", "one.json"], str(os.listdir(d)))

    # A newline in a layer name would split the message (and the table).
    nl = write_json(d, "newline.json", {"batch": 1, "layers": [
        {"name": "a\nb", "network": "n", "layer": "linear", "in_features": 4,
         "out_features": 4, "strides": 2}]})
    rc, so, se = run_network(r, "run", ["--layers", nl])
    check("option values: a layer name with a newline is refused in one line",
          one_error_line(rc, se, ["layers[0]: name", "control characters", "a\\nb"]),
          f"exit {rc}; stderr {se!r}")
    # A NUL byte in a tensor path would open its prefix.
    np.save(os.path.join(d, "x.npy"), np.ones((1, 1), np.float16))
    nul = write_json(d, "nul.json", dict(LINEAR, tensors={"x": "x.npy\0junk", "w": "x.npy"}))
    rc, so, se = r.run([nul, "--out", os.path.join(d, "out")])
    check("option values: a tensor path with a NUL byte is an error",
          one_error_line(rc, se, ["tensors.x", "NUL byte"]), f"exit {rc}; stderr {se!r}")


def test_missing_tensor(r):
    """Given tensors, one left out is an error, unless "generate" asks for it."""
    d = r.case_dir("missing_b")
    write_conv_inputs(d, np.random.default_rng(3))
    with open(os.path.join(FIXTURES, "conv2d_fp_relu.json")) as f:
        spec = json.load(f)
    del spec["tensors"]["b"]
    path = write_json(d, "no_b.json", spec)
    out = os.path.join(d, "out")
    rc, so, se = r.run([path, "--out", out])
    check("missing b: exit 2, naming the tensor and \"generate\"",
          one_error_line(rc, se, ["missing tensor 'b'", "generate"]), f"exit {rc}; {se!r}")
    check("missing b: no output folder", not os.path.exists(out))
    spec["generate"] = ["b"]
    path = write_json(d, "gen_b.json", spec)
    rc, so, se = r.run([path, "--out", out, "--seed", "4"])
    check("generate b: exit 0", rc == 0, f"exit {rc}; {se!r}")
    if rc == 0:
        rep = load_report(os.path.join(out, "report.json"))
        check("generate b: the report says b is generated, x and w are files",
              rep["tensors"]["b"] == "generated (seed 4)" and
              rep["tensors"]["x"].endswith("x.npy") and rep["tensors"]["w"].endswith("w.npy"),
              json.dumps(rep["tensors"]))


def fp16_rne_exact(v):
    """FP16 bits of the float v rounded to nearest even, by exact rational arithmetic: the
    oracle that NumPy's astype(np.float16) on float64 is checked against (not for NaN)."""
    from fractions import Fraction
    sign = 0x8000 if math.copysign(1.0, v) < 0 else 0
    a = Fraction(abs(v))
    if a == 0:
        return sign
    e = max(math.floor(math.log2(abs(v))), -14)  # binade (subnormals share -14's quantum)
    while Fraction(2) ** e > a and e > -14:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    q = Fraction(2) ** (e - 10)
    k = a / q
    n = math.floor(k)
    rest = k - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        n += 1
    if e == -14 and n < 1024:
        return sign | n  # subnormal (or the smallest normal reached by rounding: n = 1024)
    bits = ((e + 15) << 10) + (n - 1024)
    return sign | min(bits, 0x7C00)


def tricky_doubles(rng, n):
    """n float64 values near FP16 rounding points: ties, a double ulp off them, and points a
    little off a tie that float32 would round onto it (where rounding twice goes wrong), in
    the normal and subnormal ranges, plus random ones; all below 65504 in magnitude."""
    bits = rng.integers(0, 0x7BFF, n).astype(np.uint16)  # a finite FP16 below the largest
    a = bits.view(np.float16).astype(np.float64)
    b = (bits + 1).view(np.float16).astype(np.float64)
    mid = (a + b) / 2
    kind = rng.integers(0, 6, n)
    off = (b - a) * 2.0**-20  # below float32's half ulp of mid: float32 rounds it onto mid
    v = np.select([kind == 0, kind == 1, kind == 2, kind == 3, kind == 4],
                  [mid, np.nextafter(mid, 0), np.nextafter(mid, np.inf), mid + off, mid - off],
                  rng.standard_normal(n) * 10.0 ** rng.integers(-8, 4, n))
    v = np.where(rng.integers(0, 2, n) == 1, -v, v)
    return np.clip(v, -65503.0, 65503.0)


def test_torch_fields(r):
    """A spec with torch.nn.Conv2d's own fields at their defaults runs as one without them."""
    d = r.case_dir("torch_fields")
    write_conv_inputs(d, np.random.default_rng(21))
    with open(os.path.join(FIXTURES, "conv2d_fp_relu.json")) as f:
        spec = json.load(f)
    plain = write_json(d, "plain.json", spec)
    # As {k: getattr(conv, k) for k in ...} of an nn.Conv2d dumps them (tuples -> lists).
    dumped = write_json(d, "dumped.json", dict(
        spec, kernel_size=[3, 3], stride=[2, 2], padding=[1, 1], dilation=[1, 1], groups=1,
        padding_mode="zeros"))
    scalar = write_json(d, "scalar.json", dict(spec, dilation=1, groups=1, padding_mode="zeros"))
    outs = {}
    for name, path in (("plain", plain), ("dumped", dumped), ("scalar", scalar)):
        out = os.path.join(d, "out_" + name)
        rc, so, se = r.run([path, "--out", out, "--quiet"])
        check(f"torch fields, {name}: exit 0", rc == 0, f"exit {rc}; {se!r}")
        if rc == 0:
            outs[name] = np.load(os.path.join(out, "y.npy")).view(np.uint16)
    check("torch fields: dilation/groups/padding_mode at their defaults give the same y",
          len(outs) == 3 and np.array_equal(outs["plain"], outs["dumped"]) and
          np.array_equal(outs["plain"], outs["scalar"]))


def run_y(r, d, name, spec, out_name="y.npy"):
    """Runs the spec (written to d/name.json); returns (exit, stderr, output bits, report)."""
    path = write_json(d, name + ".json", spec)
    out = os.path.join(d, "out_" + name)
    rc, so, se = r.run([path, "--out", out, "--quiet"])
    if rc != 0:
        return rc, se, None, None
    return (rc, se, np.load(os.path.join(out, out_name)).view(np.uint16),
            load_report(os.path.join(out, "report.json")))


def test_float_inputs(r):
    """float32 and float64 inputs of an FP16 layer: rounded once to FP16 (nearest even),
    giving bit for bit the outputs of the same layer on NumPy's float16 of them."""
    d = r.case_dir("float_inputs")
    rng = np.random.default_rng(33)
    with open(os.path.join(FIXTURES, "conv2d_fp_relu.json")) as f:
        spec = json.load(f)
    x = np.abs(rng.standard_normal((2, 3, 9, 9)))
    w = rng.standard_normal((8, 3, 3, 3)) / np.sqrt(27)
    b = 0.1 * rng.standard_normal(8)
    x[0, 0, 0, :4] = tricky_doubles(rng, 4)  # a few values next to FP16 ties
    runs = {}
    for tag, dtype in (("f16", np.float16), ("f32", np.float32), ("f64", np.float64)):
        for name, a in (("x", x), ("w", w), ("b", b)):
            # f16: NumPy's float16 of the float64 values, rounded once.
            np.save(os.path.join(d, f"{name}_{tag}.npy"), a.astype(dtype))
        runs[tag] = run_y(r, d, "conv_" + tag, dict(
            spec, tensors={n: f"{n}_{tag}.npy" for n in ("x", "w", "b")}))
        check(f"float inputs, conv2d with {tag} x, w, b: exit 0", runs[tag][0] == 0,
              f"exit {runs[tag][0]}; {runs[tag][1]!r}")
    # float32 inputs equal float16 inputs made from the same float32 arrays.
    for name, a in (("x", x), ("w", w), ("b", b)):
        np.save(os.path.join(d, f"{name}_f32_16.npy"), a.astype(np.float32).astype(np.float16))
    runs["f32_16"] = run_y(r, d, "conv_f32_16", dict(
        spec, tensors={n: f"{n}_f32_16.npy" for n in ("x", "w", "b")}))
    if all(v[0] == 0 for v in runs.values()):
        check("float inputs: float64 x, w, b give the y of their np.float16 (bit for bit)",
              np.array_equal(runs["f64"][2], runs["f16"][2]))
        check("float inputs: float32 x, w, b give the y of their np.float16 (bit for bit)",
              np.array_equal(runs["f32"][2], runs["f32_16"][2]))
        rep = runs["f64"][3]
        tf = rep.get("tensor_files", {})
        want_inexact = int(np.count_nonzero(x.astype(np.float16).astype(np.float64) != x))
        check("float inputs: the report records each file's dtype and the rounding",
              tf.get("x", {}).get("dtype") == "<f8" and tf["x"].get("rounded") is True and
              tf["x"].get("rounded_to") == "fp16" and tf["x"].get("values") == x.size and
              tf["x"].get("inexact") == want_inexact and tf["x"].get("to_infinity") == 0 and
              runs["f32"][3]["tensor_files"]["w"]["dtype"] == "<f4" and
              runs["f16"][3]["tensor_files"]["x"] == {"dtype": "<f2", "rounded": False},
              json.dumps(tf))

    # y = x exactly through an identity linear layer (every FP32 sum is exact), so y shows
    # the rounding of each input value itself: thousands of doubles near FP16 ties.
    n, k = 48, 64
    xs = tricky_doubles(rng, n * k).reshape(n, k)
    np.save(os.path.join(d, "eye.npy"), np.eye(k, dtype=np.float16))
    lin = {"layer": "linear", "phase": "fp", "batch": n, "in_features": k, "out_features": k}
    want = xs.astype(np.float16)
    exact = np.array([fp16_rne_exact(v) for v in xs.ravel()], dtype=np.uint16)
    check("float inputs: NumPy's float64 -> float16 is one correct rounding (exact oracle)",
          np.array_equal(want.view(np.uint16).ravel(), exact))
    twice = xs.astype(np.float32).astype(np.float16)
    check("float inputs: the values include ones that rounding through float32 gets wrong",
          np.count_nonzero(twice != want) > 100, str(np.count_nonzero(twice != want)))
    zero_fixed = np.where(want == 0, np.float16(0), want).view(np.uint16)  # +0 + -0 = +0
    for tag, a, expect in (("f64", xs, zero_fixed),
                           ("f32", xs.astype(np.float32),
                            np.where(twice == 0, np.float16(0), twice).view(np.uint16))):
        np.save(os.path.join(d, f"xs_{tag}.npy"), a)
        rc, se, y, rep = run_y(r, d, "eye_" + tag, dict(
            lin, tensors={"x": f"xs_{tag}.npy", "w": "eye.npy"}))
        if check(f"float inputs, identity linear on {tag} x: exit 0", rc == 0,
                 f"exit {rc}; {se!r}"):
            bad = np.flatnonzero(y != expect)
            check(f"float inputs, identity linear on {tag} x: y is NumPy's float16 of x, "
                  f"bit for bit ({a.size} values)", bad.size == 0,
                  f"{bad.size} differ, first x = {a.ravel()[bad[:1]]!r}")
            check(f"float inputs, identity linear on {tag} x: inexact count in the report",
                  rep["tensor_files"]["x"]["inexact"] ==
                  int(np.count_nonzero(a.astype(np.float16).astype(a.dtype) != a)),
                  json.dumps(rep["tensor_files"]))


def test_no_activation_mask(r):
    """EP and WG of a layer without an activation need no mask file; a mask given is read,
    checked and not used; with an activation it is still required."""
    d = r.case_dir("no_mask")
    rng = np.random.default_rng(44)
    with open(os.path.join(FIXTURES, "conv2d_ep.json")) as f:
        ep = json.load(f)  # conv2d 3 -> 8, 9x7, activation "none"
    np.save(os.path.join(d, "dy.npy"), rng.standard_normal((2, 8, 5, 4)).astype(np.float16))
    np.save(os.path.join(d, "w.npy"), (rng.standard_normal((8, 3, 3, 3)) / 5).astype(np.float16))
    np.save(os.path.join(d, "x.npy"), np.abs(rng.standard_normal((2, 3, 9, 7))).astype(np.float16))
    np.save(os.path.join(d, "zeros.npy"), np.zeros((2, 8, 5, 4), np.uint8))
    np.save(os.path.join(d, "bad_mask.npy"), np.zeros((2, 8, 5, 5), np.uint8))
    for phase, first, out in (("ep", "w", "dx.npy"), ("wg", "x", "dw.npy")):
        spec = dict(ep, phase=phase)
        rc, se, y, rep = run_y(r, d, phase + "_nomask", dict(
            spec, tensors={"dy": "dy.npy", first: f"{first}.npy"}), out)
        check(f"no activation, {phase} without a mask file: exit 0", rc == 0, f"exit {rc}; {se!r}")
        if rc == 0:
            check(f"no activation, {phase}: the report lists no mask",
                  "mask" not in rep["tensors"] and rep["mismatches"] == 0, json.dumps(rep["tensors"]))
        rc2, se2, y2, rep2 = run_y(r, d, phase + "_zeromask", dict(
            spec, tensors={"dy": "dy.npy", first: f"{first}.npy", "mask": "zeros.npy"}), out)
        check(f"no activation, {phase} with an all-zero mask: exit 0, the same output (unused)",
              rc2 == 0 and rc == 0 and np.array_equal(y, y2), f"exit {rc2}; {se2!r}")
        if rc2 == 0:
            check(f"no activation, {phase}: the report says the given mask is not used",
                  rep2["tensor_files"].get("mask", {}).get("used") is False,
                  json.dumps(rep2["tensor_files"]))
        rc3, se3, _, _ = run_y(r, d, phase + "_badmask", dict(
            spec, tensors={"dy": "dy.npy", first: f"{first}.npy", "mask": "bad_mask.npy"}), out)
        check(f"no activation, {phase}: a given mask of the wrong shape is still an error",
              one_error_line(rc3, se3, ["mask", "(2, 8, 5, 4)", "(2, 8, 5, 5)"]), se3)
        rc4, se4, _, _ = run_y(r, d, phase + "_relu_nomask", dict(
            spec, activation="relu", tensors={"dy": "dy.npy", first: f"{first}.npy"}), out)
        check(f"relu, {phase} without a mask file: still an error naming it",
              one_error_line(rc4, se4, ["missing tensor 'mask'"]), se4)


def pick_config(sim, root, wanted):
    """An FP16 configuration of this build: `wanted` if given, else 4x4_fp16 if built, else the
    first FP16 one (the list comes from the unknown-configuration message)."""
    if wanted:
        return wanted
    spec = os.path.join(FIXTURES, "conv2d_ep.json")
    p = subprocess.run([sim, "layer", spec, "--config", "?", "--out", os.path.join(root, "x")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    marker = "this build has: "
    have = []
    if marker in p.stderr:
        have = p.stderr.split(marker, 1)[1].split(")")[0].split(", ")
    fp16 = [c for c in have if c.endswith("_fp16")]
    if "4x4_fp16" in fp16:
        return "4x4_fp16"
    return fp16[0] if fp16 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True, help="the ganpu-sim executable")
    ap.add_argument("--workdir", required=True, help="scratch folder (uses DIR/test_cli_run)")
    ap.add_argument("--config", help="FP16 configuration to run on (default: 4x4_fp16 if this "
                    "build has it, else its first FP16 configuration)")
    a = ap.parse_args()
    sim = os.path.abspath(a.sim)
    if not os.access(sim, os.X_OK):
        print(f"error: {sim} is not an executable", file=sys.stderr)
        return 2
    root = os.path.join(os.path.abspath(a.workdir), "test_cli_run")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    config = pick_config(sim, root, a.config)
    if not check(f"this build has an FP16 configuration to run on ({config})",
                 config is not None):
        print(f"{passed} passed, {failed} failed")
        return 1
    r = Runner(sim, root, config)
    for t in (test_forward_from_numpy, test_generated, test_bad_inputs, test_trace, test_options,
              test_layer_lists, test_bench_sparse, test_train, test_hostile_sizes, test_hostile_nesting,
              test_outputs_kept, test_option_values, test_missing_tensor, test_torch_fields,
              test_float_inputs, test_no_activation_mask):
        try:
            t(r)
        except Exception as e:  # a crash of one group is a failure, the others still run
            check(f"{t.__name__} ran to the end", False, f"{type(e).__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
