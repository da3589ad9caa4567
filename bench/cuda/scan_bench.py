#!/usr/bin/env python3
"""Checks and times ssm4j's CUDA selective-scan kernels on a GPU.

Loads the fatbin built from nd4j-ssm-ops/src/main/cuda/selective_scan.cu through the CUDA
driver API (ctypes, the same calls as the Java launcher), checks every output and gradient
against a float64 reference computed with PyTorch on fresh random inputs (outputs poisoned
with NaN before every launch), and times forward and backward with CUDA events (median of
20 after warm-up). If the module `selective_scan_cuda` (state-spaces/mamba's kernels, built
separately; not part of ssm4j) can be imported, it is timed in the same run on its own
channels-first layout and the table shows our time over its time.

  python3 scan_bench.py --fatbin selective_scan.fatbin [--check] [--time [--graph]] [--variants] [--no-pdl]
"""
import argparse
import ctypes
import json
import math
import statistics
import sys
import time

import torch

FLAG_SOFTPLUS, FLAG_D, FLAG_Z, FLAG_BIAS, FLAG_H0, FLAG_DLAST, FLAG_CKPT = 1, 2, 4, 8, 16, 32, 64
DYN_SMEM_ATTR = 8  # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
SM_COUNT_ATTR = 16  # CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
CC_MAJOR_ATTR = 75  # CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
PROGRAMMATIC_SERIALIZATION = 6  # CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION

# (lanes per channel, state entries per lane, channels per block) compiled into the fatbin.
CONFIGS = [(4, 4, 32), (4, 4, 16), (8, 2, 16), (16, 1, 16), (2, 8, 32), (16, 2, 16), (16, 4, 16)]
CHUNK_COUNTS = (1, 2, 4, 8, 16, 32, 64)

BENCH_SHAPES = [  # dtype, batch, channels, length; reference ms measured by the issue
    ("fp32", 8, 1536, 2048), ("fp32", 1, 2048, 16384), ("fp32", 16, 2048, 1024),
    ("fp32", 1, 1536, 131072), ("bf16", 8, 1536, 2048), ("bf16", 1, 2048, 16384),
]


class ScanParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "u", "delta", "A", "B", "C", "D", "z", "delta_bias", "h0", "y", "last_state", "checkpoints",
        "dy", "d_last", "du", "d_delta", "dz", "d_h0", "dA", "dB", "dC", "dD", "d_bias", "scratch",
        "chunk_state", "chunk_dsum", "chunk_start")] + [
        (n, ctypes.c_int) for n in (
            "batch", "length", "channels", "state", "groups", "interval", "flags", "scratch_tiles",
            "chunk_len", "chunks", "first_len", "long_chunks")]


class LaunchAttribute(ctypes.Structure):  # CUlaunchAttribute
    _fields_ = [("id", ctypes.c_int), ("pad", ctypes.c_char * 4), ("value", ctypes.c_char * 64)]


class LaunchConfig(ctypes.Structure):  # CUlaunchConfig
    _fields_ = [(n, ctypes.c_uint) for n in ("grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z", "smem")] + [
        ("stream", ctypes.c_void_p), ("attrs", ctypes.POINTER(LaunchAttribute)), ("num_attrs", ctypes.c_uint)]


class Driver:
    """pdl: launch the passes that wait for their predecessor (combine, main) as programmatic dependent
    launches where the device has compute capability 9.0 or more, as the Java launcher does."""

    def __init__(self, fatbin_path, pdl=True):
        torch.cuda.init()
        torch.zeros(1, device="cuda")  # makes the primary context current
        self.lib = ctypes.CDLL("libcuda.so.1")
        self.lib.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        with open(fatbin_path, "rb") as f:
            self.image = ctypes.create_string_buffer(f.read())
        self.module = ctypes.c_void_p()
        start = time.perf_counter()  # a PTX-only image is compiled by the driver here (or read from its cache)
        self.check(self.lib.cuModuleLoadData(ctypes.byref(self.module), self.image), "cuModuleLoadData")
        self.load_seconds = time.perf_counter() - start
        self.functions = {}
        self.resident = {}
        dev = ctypes.c_int()
        self.check(self.lib.cuCtxGetDevice(ctypes.byref(dev)), "cuCtxGetDevice")
        self.sms = self.device_attribute(SM_COUNT_ATTR, dev)
        self.pdl = pdl and self.device_attribute(CC_MAJOR_ATTR, dev) >= 9
        self.serialization = LaunchAttribute(id=PROGRAMMATIC_SERIALIZATION)
        ctypes.memmove(ctypes.addressof(self.serialization) + LaunchAttribute.value.offset,
                       ctypes.byref(ctypes.c_int(1)), 4)

    def device_attribute(self, attribute, dev):
        value = ctypes.c_int()
        self.check(self.lib.cuDeviceGetAttribute(ctypes.byref(value), attribute, dev), "cuDeviceGetAttribute")
        return value.value

    def check(self, rc, what):
        if rc != 0:
            name, text = ctypes.c_char_p(), ctypes.c_char_p()
            self.lib.cuGetErrorName(rc, ctypes.byref(name))
            self.lib.cuGetErrorString(rc, ctypes.byref(text))
            raise RuntimeError(f"{what} failed: {name.value.decode()} ({text.value.decode()})")

    def function(self, name):
        if name not in self.functions:
            fn = ctypes.c_void_p()
            self.check(self.lib.cuModuleGetFunction(ctypes.byref(fn), self.module, name.encode()), name)
            info = [0] * 5
            if "_l" in name:  # the scan kernels carry an info record; combine and convert do not
                ptr, size = ctypes.c_uint64(), ctypes.c_size_t()
                self.check(self.lib.cuModuleGetGlobal_v2(ctypes.byref(ptr), ctypes.byref(size), self.module,
                                                         (name + "_info").encode()), name + "_info")
                host = (ctypes.c_int * 5)()
                self.check(self.lib.cuMemcpyDtoH_v2(host, ptr, ctypes.c_size_t(20)), "cuMemcpyDtoH")
                info = list(host)
                if info[3] > 0:
                    self.check(self.lib.cuFuncSetAttribute(fn, DYN_SMEM_ATTR, info[3]), "cuFuncSetAttribute")
            self.functions[name] = (fn, info)
        return self.functions[name]

    def resident_blocks(self, name):
        """How many blocks of a scan kernel the device holds at once: SMs times blocks per SM (asked once
        per kernel, as the Java launcher keeps it in its kernel record)."""
        if name in self.resident:
            return self.resident[name]
        fn, info = self.function(name)
        per_sm = ctypes.c_int()
        self.check(self.lib.cuOccupancyMaxActiveBlocksPerMultiprocessor(ctypes.byref(per_sm), fn, info[0],
                                                                        ctypes.c_size_t(info[3])),
                   "cuOccupancyMaxActiveBlocksPerMultiprocessor")
        self.resident[name] = self.sms * per_sm.value
        return self.resident[name]

    def launch(self, name, grid, block, smem, args, record=None, dependent=False):
        """Launches on the current stream; record (a list) keeps the launch for replay(); dependent: the
        kernel waits for its predecessor itself (griddepcontrol.wait), so it may be launched early."""
        fn, _ = self.function(name)
        params = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        config = None
        if dependent and self.pdl:  # its stream is set at each replay
            config = LaunchConfig(grid[0], grid[1], grid[2], block, 1, 1, smem, None,
                                  ctypes.pointer(self.serialization), 1)
        entry = (name, fn, grid, block, smem, params, args, config)  # args keep the memory alive
        if record is not None:
            record.append(entry)
        self.replay([entry])

    def replay(self, launches):
        """Launches recorded by launch(), with the same arguments, on the current stream."""
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        for name, fn, grid, block, smem, params, _, config in launches:
            if config is not None:
                config.stream = stream
                self.check(self.lib.cuLaunchKernelEx(ctypes.byref(config), fn, params, None),
                           "cuLaunchKernelEx " + name)
            else:
                self.check(self.lib.cuLaunchKernel(fn, grid[0], grid[1], grid[2], block, 1, 1, smem, stream, params,
                                                   None), "cuLaunchKernel " + name)


def ptr(t):
    return 0 if t is None else t.data_ptr()


def policy_shapes(state):
    """(forward shape, backward shape): org.ssm4j.kernels.cuda.LaunchPolicy's choice."""
    if state > 64:
        raise ValueError(f"state must be at most 64 on CUDA, got {state}")
    if state > 32:
        return (16, 4, 16), (16, 4, 16)
    if state > 16:
        return (16, 2, 16), (16, 2, 16)
    return (4, 4, 32), (8, 2, 16)


def blocks_per_chunk(batch, channels, groups, cfg):
    return batch * groups * -(-(channels // groups) // cfg[2])


CHANNEL_PER_THREAD = (1, 16, 128)  # the forward with one thread per channel (state 16)


def channel_per_thread_fits(channels, groups, state, interval):
    return state == 16 and (channels // groups) % 32 == 0 and interval % 8 == 0


def policy_forward_shape(batch, length, channels, groups, state, interval, resident, dtype):
    """LaunchPolicy.forwardShape(spec, type, aligned16, residentBlocks); torch's buffers are 16-byte aligned."""
    standard = policy_shapes(state)[0]
    if not channel_per_thread_fits(channels, groups, state, interval) \
            or blocks_per_chunk(batch, channels, groups, standard) >= 256:
        return standard
    chunks = policy_chunks(batch, channels, groups, length, CHANNEL_PER_THREAD, True, interval, resident, dtype)[0]
    return CHANNEL_PER_THREAD if blocks_per_chunk(batch, channels, groups, CHANNEL_PER_THREAD) * chunks >= 256 \
        else standard


WORKSPACE_POOL_KEEP_BYTES = 256 << 20  # ScanModule.WORKSPACE_POOL_KEEP_BYTES


def keeps_delta(batch, length, channels, state, cfg, chunks):
    """LaunchPolicy.keepsDelta: the chunked channel-per-thread forward keeps delta' from its summary pass
    for its main pass while its workspaces (the kept delta' and the chunk summaries) fit the memory the
    Java launcher's pool keeps mapped between calls."""
    if cfg != CHANNEL_PER_THREAD or chunks < 2:
        return False
    floats = kept_delta_floats(batch, length, channels) + sum(chunk_workspaces(batch, chunks, channels, state).values())
    return 4 * floats <= WORKSPACE_POOL_KEEP_BYTES


def chunk_workspaces(batch, chunks, channels, state):
    """The chunked passes' workspaces in floats, as ScanLauncher.chunkWorkspaces allocates them."""
    states = batch * chunks * channels * state
    return {"chunk_state": states, "chunk_dsum": batch * chunks * channels, "chunk_start": states}


def kept_delta_floats(batch, length, channels):
    """LaunchPolicy.keptDeltaFloats: one float per element of delta."""
    return batch * length * channels


def summary_waves(steps, blocks, resident):
    """LaunchPolicy.summaryWaves: as many as keep the chunks about 480 steps long, at least two."""
    return max(2, steps * blocks // (480 * resident))


def whole_waves(steps, blocks, resident):
    """LaunchPolicy.wholeWaves: channel-per-thread chunks whose summary launch fills whole waves, or None."""
    waves = summary_waves(steps, blocks, resident)
    summarised = waves * resident // blocks
    if summarised < 1:
        return None
    k, clen = split(steps, summarised + 1, 8)
    return (k, clen) if clen >= 128 else None


SUMMARY_STEP_COST = 0.7  # LaunchPolicy.SUMMARY_STEP_COST: a summary step's time over a main-pass step's (chunk 0, delta' computed)


def end_chunks(steps, blocks, resident):
    """LaunchPolicy.endChunks: (chunks, chunk_len, first_len, long_chunks) with end chunks (chunk 0's
    main pass in the summary launch beside the middle chunks' summaries, the last chunk first in the
    main launch, each about as long as its launch lasts), or None."""
    per_wave = (resident - blocks) // blocks
    if per_wave < 1:
        return None
    waves = summary_waves(steps, blocks, resident)
    middle = waves * per_wave
    per = steps / (per_wave + 1 + SUMMARY_STEP_COST) / waves
    clen = int(per // 8) * 8
    if clen < 128:
        return None
    longer = int((per - clen) * middle // 8)
    slot = waves * clen + 8 * -(-longer // per_wave)
    first = (steps - middle * clen - 8 * longer - slot) // 8 * 8
    return (middle + 2, clen, first, longer) if first >= 8 else None


def end_layout(L, k):
    """A small end-chunk layout for the checks: k chunks, chunk 0 two tiles longer than the middle
    chunks, the first middle chunk one tile longer, the last the remainder."""
    clen = max(8, L // (k + 1) // 8 * 8)
    return k, clen, clen + 16, 1


def policy_chunks(batch, channels, groups, length, cfg, forward, interval, resident=None, dtype=None, ends=True):
    """LaunchPolicy.forwardChunks / backwardChunks; resident: blocks of the channel-per-thread summary
    kernel the device holds at once, dtype: the inputs' (forward only); ends: False never gives end
    chunks (the policy gives them to bfloat16)."""
    blocks = blocks_per_chunk(batch, channels, groups, cfg)
    if forward:
        if cfg == CHANNEL_PER_THREAD and blocks < 256:
            ends = ends and dtype == torch.bfloat16
            waves = (end_chunks(length, blocks, resident) if ends else None) or whole_waves(length, blocks, resident)
            if waves is not None:
                return waves
        min_steps = 128 if cfg == CHANNEL_PER_THREAD else 256
        wanted = 1 if blocks >= 256 else min(-(-1024 // blocks), max(1, length // min_steps))
        return split(length, wanted, 32)
    return split(length, 1 if blocks >= 768 else min(-(-1536 // blocks), max(1, length // 256)), interval)


class OurScan:
    """Launches the kernels as ssm4j's ScanLauncher does. A call's launches (their parameter blocks
    built once) are kept under its arguments and device pointers and replayed when the same call
    comes again, so that per-call timings measure the launches rather than this harness's Python
    work of building them; the backward's zeroing of the float32 sums still runs every call."""

    def __init__(self, drv, keep_delta=True, end_chunks=True):
        self.drv = drv
        self.plans = {}
        self.keep_delta = keep_delta  # False: never keep delta' (the policy's keeps_delta otherwise)
        self.end_chunks = end_chunks  # False: never end chunks (the policy's otherwise)

    def _params(self, sizes, interval, flags, **ptrs):
        p = ScanParams()
        for k, v in ptrs.items():
            setattr(p, k, ptr(v))
        p.batch, p.length, p.channels, p.state, p.groups = sizes
        p.interval, p.flags = interval, flags
        return p

    def resident(self, dtype):
        """Blocks of the channel-per-thread summary kernel the device holds at once (the policy's input)."""
        return self.drv.resident_blocks(self.name("fwdsum", dtype, CHANNEL_PER_THREAD))

    @staticmethod
    def name(kind, dtype, cfg):
        nl, npt, dt = cfg
        return f"ssm_scan_{kind}_{'f32' if dtype == torch.float32 else 'bf16'}_l{nl}_s{npt}_c{dt}"

    def _grid(self, x, info, chunks):
        b, _, D = x["u"].shape
        G = x["B"].shape[2]
        return (G * ((D // G + info[1] - 1) // info[1]), b, chunks)

    @staticmethod
    def _workspace(work, key, n):
        t = work.get(key)
        if t is None or t.numel() < n:  # poisoned: an entry read before it is written shows as NaN
            t = torch.full((max(n, 1),), float("nan"), device="cuda", dtype=torch.float32)
            work[key] = t
        return t

    def forward(self, x, interval, softplus, cfg, out, chunks=None, work=None):
        """chunks: (count, length[, first_len, long_chunks]) or None for the default policy."""
        b, L, D = x["u"].shape
        G, N = x["B"].shape[2], x["B"].shape[3]
        work = {} if work is None else work
        flags = (FLAG_SOFTPLUS if softplus else 0) | (FLAG_D if x["D"] is not None else 0) | \
                (FLAG_Z if x["z"] is not None else 0) | (FLAG_BIAS if x["delta_bias"] is not None else 0) | \
                (FLAG_H0 if x["h0"] is not None else 0) | (FLAG_CKPT if out["checkpoints"] is not None else 0)
        k, clen, first, longer = (tuple(chunks or policy_chunks(b, D, G, L, cfg, True, interval, self.resident(
            x["u"].dtype), x["u"].dtype, self.end_chunks)) + (0, 0))[:4]
        tn = "f32" if x["u"].dtype == torch.float32 else "bf16"
        ptrs = dict(u=x["u"], delta=x["delta"], A=x["A"], B=x["B"], C=x["C"], D=x["D"], z=x["z"],
                    delta_bias=x["delta_bias"], h0=x["h0"], y=out["y"], last_state=out["last_state"],
                    checkpoints=out["checkpoints"])
        if k > 1:
            for workspace, floats in chunk_workspaces(b, k, D, N).items():
                ptrs[workspace] = self._workspace(work, workspace, floats)
        keep = self.keep_delta and keeps_delta(b, L, D, N, cfg, k)
        if keep:
            ptrs["scratch"] = self._workspace(work, "scratch", kept_delta_floats(b, L, D))
        key = (b, L, D, N, G, x["u"].dtype, interval, flags, cfg, k, clen, first, longer) + tuple(
            ptr(v) for v in ptrs.values())
        plan = self.plans.get(key)
        if plan is not None:
            self.drv.replay(plan)
            return
        plan = []
        main = self.name("fwdk" if keep else "fwd" if interval % 16 == 0 else "fwdg", x["u"].dtype, cfg)
        p = self._params((b, L, D, N, G), interval, flags, **ptrs)
        p.chunk_len, p.chunks, p.first_len, p.long_chunks = clen, k, first, longer
        if k > 1:  # with end chunks the summary launch's first blocks run chunk 0's main pass
            summ = self.name("fwdsum", x["u"].dtype, cfg)
            _, info = self.drv.function(summ)
            self.drv.launch(summ, self._grid(x, info, k - 1), info[0], info[3], [p], plan)
            self._launch_combine("fwd", tn, b * D * N, p, plan)
        _, info = self.drv.function(main)
        self.drv.launch(main, self._grid(x, info, k - 1 if first else k), info[0], info[3], [p], plan,
                        dependent=k > 1)
        self._keep(key, plan)

    def _launch_combine(self, direction, tn, chains, p, plan):
        """The combine pass after a summary pass, one thread per (batch, channel, state entry)."""
        self.drv.launch(f"ssm_scan_{direction}combine_{tn}", ((chains + 255) // 256, 1, 1), 256, 0, [p], plan,
                        dependent=True)

    def _keep(self, key, plan):
        if len(self.plans) > 256:
            self.plans.clear()
        self.plans[key] = plan

    def backward(self, x, ckpt, dy, d_last, interval, softplus, cfg, out, work, chunks=None):
        """out: du, d_delta, dz, d_h0, dA, dB, dC, dD, d_bias (input dtype); work: fp32 accumulators
        for bf16 runs (dA, dB, dC, dD, d_bias) and the workspaces."""
        b, L, D = x["u"].shape
        G, N = x["B"].shape[2], x["B"].shape[3]
        dtype = x["u"].dtype
        tn = "f32" if dtype == torch.float32 else "bf16"
        flags = (FLAG_SOFTPLUS if softplus else 0) | (FLAG_D if x["D"] is not None else 0) | \
                (FLAG_Z if x["z"] is not None else 0) | (FLAG_BIAS if x["delta_bias"] is not None else 0) | \
                (FLAG_H0 if x["h0"] is not None else 0) | (FLAG_DLAST if d_last is not None else 0)
        name = self.name("bwd", dtype, cfg)
        _, info = self.drv.function(name)
        acc = {k: (out[k] if dtype == torch.float32 else work[k]) for k in ("dA", "dB", "dC", "dD", "d_bias")}
        for key, t in acc.items():
            if t is not None:
                t.zero_()
        k, clen = chunks or policy_chunks(b, D, G, L, cfg, False, interval)
        ts, ns = info[2], info[4]
        tiles = max(1, (min(interval, L) + ts - 1) // ts - 1) if interval > ts else 0
        ptrs = dict(u=x["u"], delta=x["delta"], A=x["A"], B=x["B"], C=x["C"], D=x["D"], z=x["z"],
                    delta_bias=x["delta_bias"], h0=x["h0"], checkpoints=ckpt, dy=dy, d_last=d_last,
                    du=out["du"], d_delta=out["d_delta"], dz=out["dz"], d_h0=out["d_h0"], dA=acc["dA"],
                    dB=acc["dB"], dC=acc["dC"], dD=acc["dD"], d_bias=acc["d_bias"])
        if tiles:
            ptrs["scratch"] = self._workspace(work, "scratch", b * k * tiles * D * ns)
        if k > 1:
            for workspace, floats in chunk_workspaces(b, k, D, N).items():
                ptrs[workspace] = self._workspace(work, workspace, floats)
        converted = [(acc[key], out[key]) for key in ("dA", "dB", "dC", "dD", "d_bias")
                     if dtype != torch.float32 and out[key] is not None]
        key = (b, L, D, N, G, dtype, interval, flags, cfg, k, clen, tiles) + tuple(ptr(v) for v in ptrs.values()) + \
            tuple(ptr(o) for _, o in converted)
        plan = self.plans.get(key)
        if plan is not None:
            self.drv.replay(plan)
            return
        plan = []
        p = self._params((b, L, D, N, G), interval, flags, **ptrs)
        p.scratch_tiles, p.chunk_len, p.chunks = tiles, clen, k
        if k > 1:
            summ = self.name("bwdsum", dtype, cfg)
            _, sinfo = self.drv.function(summ)
            self.drv.launch(summ, self._grid(x, sinfo, k - 1), sinfo[0], sinfo[3], [p], plan)
            self._launch_combine("bwd", tn, b * D * N, p, plan)
        self.drv.launch(name, self._grid(x, info, k), info[0], info[3], [p], plan, dependent=k > 1)
        for sums, dst in converted:
            n = ctypes.c_longlong(dst.numel())
            src, dst_ptr = ctypes.c_uint64(sums.data_ptr()), ctypes.c_uint64(dst.data_ptr())
            blocks = min(4096, (dst.numel() + 255) // 256)
            self.drv.launch("ssm_f32_to_bf16", (blocks, 1, 1), 256, 0, [src, dst_ptr, n], plan)
        self._keep(key, plan)


# ----------------------------------------------------------------------------------------
# float64 reference (channels-last), written from the recurrence, independent of the kernels
# ----------------------------------------------------------------------------------------

def reference(x, dy, d_last, interval, softplus):
    f = {k: (None if v is None else v.double()) for k, v in x.items()}
    u, delta, A, B, C = f["u"], f["delta"], f["A"], f["B"], f["C"]
    b, L, D = u.shape
    G, N = B.shape[2], B.shape[3]
    gidx = torch.arange(D, device=u.device) // (D // G)
    Bd, Cd = B[:, :, gidx, :], C[:, :, gidx, :]                       # (b, L, D, N)
    pre = delta + (f["delta_bias"] if f["delta_bias"] is not None else 0)
    dt = torch.nn.functional.softplus(pre) if softplus else pre
    a = torch.exp(dt[..., None] * A)                                   # (b, L, D, N)
    bb = (dt * u)[..., None] * Bd
    H = torch.empty_like(a)                                            # state after each step
    h = f["h0"].clone() if f["h0"] is not None else torch.zeros(b, D, N, dtype=torch.float64, device=u.device)
    for t in range(L):
        h = torch.addcmul(bb[:, t], a[:, t], h)
        H[:, t] = h
    out = (H * Cd).sum(-1) + (f["D"] * u if f["D"] is not None else 0)
    gate = f["z"] * torch.sigmoid(f["z"]) if f["z"] is not None else None
    y = out * gate if gate is not None else out
    h0 = f["h0"] if f["h0"] is not None else torch.zeros(b, D, N, dtype=torch.float64, device=u.device)
    Hprev = torch.cat([h0[:, None], H[:, :-1]], 1)
    ck = Hprev[:, ::interval].contiguous()
    res = {"y": y, "last_state": H[:, -1], "checkpoints": ck}
    if dy is None:
        return res
    dyd = dy.double()
    dout = dyd * gate if gate is not None else dyd
    DC = dout[..., None] * Cd
    Gm = torch.empty_like(a)
    q = d_last.double().clone() if d_last is not None else torch.zeros(b, D, N, dtype=torch.float64, device=u.device)
    for t in range(L - 1, -1, -1):
        g = DC[:, t] + q
        Gm[:, t] = g
        q = a[:, t] * g
    xg = Gm * Hprev * a
    ddt = (xg * A).sum(-1) + u * (Gm * Bd).sum(-1)
    dsp = torch.sigmoid(pre) if softplus else torch.ones_like(pre)
    dd = ddt * dsp
    res["du"] = dt * (Gm * Bd).sum(-1) + (dout * f["D"] if f["D"] is not None else 0)
    res["d_delta"] = dd
    res["dA"] = (xg * dt[..., None]).sum((0, 1))
    gb = Gm * (dt * u)[..., None]
    gc = dout[..., None] * H
    res["dB"] = torch.zeros(b, L, G, N, dtype=torch.float64, device=u.device).index_add_(2, gidx, gb)
    res["dC"] = torch.zeros(b, L, G, N, dtype=torch.float64, device=u.device).index_add_(2, gidx, gc)
    if f["D"] is not None:
        res["dD"] = (dout * u).sum((0, 1))
    if f["delta_bias"] is not None:
        res["d_bias"] = dd.sum((0, 1))
    if f["z"] is not None:
        sg = torch.sigmoid(f["z"])
        res["dz"] = dyd * out * sg * (1 + f["z"] * (1 - sg))
    if f["h0"] is not None:
        res["d_h0"] = q
    return res


def make_inputs(b, L, D, N, G, dtype, has_d=True, has_z=True, has_bias=True, has_h0=False, softplus=True, gen=None):
    dev = "cuda"

    def rnd(*shape, scale=1.0):
        return (torch.randn(*shape, device=dev, generator=gen) * scale).to(dtype)

    if softplus:
        delta = rnd(b, L, D, scale=0.5)
    else:  # used as the step size itself: positive, as softplus would make it
        delta = (torch.rand(b, L, D, device=dev, generator=gen) * 0.1).to(dtype)
    x = {
        "u": rnd(b, L, D),
        "delta": delta,
        "A": (-torch.exp(torch.rand(D, N, device=dev, generator=gen) * math.log(16.0))).to(dtype),
        "B": rnd(b, L, G, N),
        "C": rnd(b, L, G, N),
        "D": rnd(D) if has_d else None,
        "z": rnd(b, L, D) if has_z else None,
        # softplus(delta + bias) around 0.001 .. 0.1, as Mamba initialises dt
        "delta_bias": torch.log(torch.expm1(torch.exp(torch.rand(D, device=dev, generator=gen)
                                                      * (math.log(0.1) - math.log(0.001)) + math.log(0.001))))
        .to(dtype) if has_bias else None,
        "h0": rnd(b, D, N) if has_h0 else None,
    }
    return x


def rel_err(a, ref):
    a = a.double()
    if not torch.isfinite(a).all():
        return float("nan")
    den = ref.norm().item()
    return (a - ref).norm().item() / (den if den > 0 else 1.0)


def poisoned(shape, dtype):
    return torch.full(shape, float("nan"), device="cuda", dtype=dtype)


def split(L, k, multiple):
    """(chunks, chunk_len) for about k chunks of a multiple of `multiple` steps."""
    clen = -(-(-(-L // k)) // multiple) * multiple
    return -(-L // clen), clen


def run_ours(scan, x, dy, d_last, interval, softplus, cfg_f, cfg_b, chunks_f=None, chunks_b=None):
    b, L, D = x["u"].shape
    G, N = x["B"].shape[2], x["B"].shape[3]
    dtype = x["u"].dtype
    nck = (L + interval - 1) // interval
    out = {"y": poisoned((b, L, D), dtype), "last_state": poisoned((b, D, N), dtype),
           "checkpoints": poisoned((b, nck, D, N), dtype)}
    work = {}
    scan.forward(x, interval, softplus, cfg_f, out, chunks_f, work)
    if dy is None:
        return out
    g = {"du": poisoned((b, L, D), dtype), "d_delta": poisoned((b, L, D), dtype),
         "dz": poisoned((b, L, D), dtype) if x["z"] is not None else None,
         "d_h0": poisoned((b, D, N), dtype) if x["h0"] is not None else None,
         "dA": poisoned((D, N), dtype), "dB": poisoned((b, L, G, N), dtype), "dC": poisoned((b, L, G, N), dtype),
         "dD": poisoned((D,), dtype) if x["D"] is not None else None,
         "d_bias": poisoned((D,), dtype) if x["delta_bias"] is not None else None}
    if dtype != torch.float32:
        work.update({k: (None if g[k] is None else poisoned(g[k].shape, torch.float32))
                     for k in ("dA", "dB", "dC", "dD", "d_bias")})
    for key in ("scratch", "chunk_state", "chunk_dsum", "chunk_start"):
        if key in work:
            work[key].fill_(float("nan"))
    scan.backward(x, out["checkpoints"], dy, d_last, interval, softplus, cfg_b, g, work, chunks_b)
    out.update(g)
    return out


def check_case(scan, label, b, L, D, N, G, dtype, interval, softplus=True, variants=False, chunked=True, **opts):
    gen = torch.Generator(device="cuda")
    gen.seed()
    x = make_inputs(b, L, D, N, G, dtype, softplus=softplus, gen=gen, **opts)
    dy = torch.randn(b, L, D, device="cuda", generator=gen).to(dtype)
    d_last = torch.randn(b, D, N, device="cuda", generator=gen).to(dtype)
    ref = reference(x, dy, d_last, interval, softplus)
    tol = 1e-5 if dtype == torch.float32 else 1e-2
    results = []
    fs, bs = policy_forward_shape(b, L, D, G, N, interval, scan.resident(dtype), dtype), policy_shapes(N)[1]
    runs = [(fs, bs, None, None)]
    if chunked:  # the chunked path too: about three chunks each way
        runs.append((fs, bs, split(L, 3, 32), split(L, 3, interval)))
    if fs != CHANNEL_PER_THREAD and channel_per_thread_fits(D, G, N, interval):  # the other forward shape too
        runs.append((CHANNEL_PER_THREAD, bs, None, None))
        if chunked:
            runs.append((CHANNEL_PER_THREAD, bs, split(L, 3, 32), None))
    if chunked and L >= 80 and channel_per_thread_fits(D, G, N, interval):  # end chunks
        runs.append((CHANNEL_PER_THREAD, bs, end_layout(L, 4), None))
    if variants:  # every compiled shape (a fatbin built with -DSSM_TUNING_SHAPES)
        runs += [(c, c, None, None) for c in CONFIGS if c[0] * c[1] >= N and (c, c) != (fs, bs)]
    for cfg_f, cfg_b, cf, cb in runs:
        cfg = (cfg_f, cfg_b)
        out = run_ours(scan, x, dy, d_last, interval, softplus, cfg_f, cfg_b, cf, cb)
        torch.cuda.synchronize()
        errs = {k: rel_err(out[k], ref[k]) for k in ref if out.get(k) is not None}
        worst = float("nan") if any(math.isnan(v) for v in errs.values()) else max(errs.values())
        ok = worst < tol  # NaN compares False: an unwritten element fails
        tag = f"cfg={cfg}" + (f" chunks f{cf} b{cb}" if cf else "")
        results.append((label, tag, ok, worst, errs))
        print(f"{'ok  ' if ok else 'FAIL'} {label:40s} {tag:44s} worst={worst:.2e} "
              + " ".join(f"{k}={v:.1e}" for k, v in errs.items()), flush=True)
    return results


def check_suite(scan, big, variants):
    r = []
    f32, bf = torch.float32, torch.bfloat16
    for dtype in (f32, bf):
        t = "fp32" if dtype == f32 else "bf16"
        r += check_case(scan, f"{t} 2x64x300 N16 I128", 2, 300, 64, 16, 1, dtype, 128,
                        variants=variants)
        r += check_case(scan, f"{t} 2x64x512 N16 I16", 2, 512, 64, 16, 1, dtype, 16, variants=variants)
        r += check_case(scan, f"{t} 2x100x77 N16 I37 odd channels", 2, 77, 100, 16, 1, dtype, 37)
        r += check_case(scan, f"{t} 3x96x130 N16 G2 I1000 h0", 3, 130, 96, 16, 2, dtype, 1000, has_h0=True)
        r += check_case(scan, f"{t} 1x48x40 N8 G3 I16 no z/D/bias/sp", 1, 40, 48, 8, 3, dtype, 16,
                        softplus=False, has_d=False, has_z=False, has_bias=False)
        r += check_case(scan, f"{t} 2x64x77 N16 I16 h0 partial tile", 2, 77, 64, 16, 1, dtype, 16, has_h0=True)
        r += check_case(scan, f"{t} 2x32x50 N4 I1 h0", 2, 50, 32, 4, 1, dtype, 1, has_h0=True)
        r += check_case(scan, f"{t} 1x64x200 N24 I64", 1, 200, 64, 24, 1, dtype, 64)
        r += check_case(scan, f"{t} 1x32x90 N48 I32 h0", 1, 90, 32, 48, 1, dtype, 32, has_h0=True)
        # the channel-per-thread forward: groups, an interval that is not a multiple of 16, a block
        # with a warp past the channels, partial tiles, no gate, D or delta_bias, no softplus
        r += check_case(scan, f"{t} 2x128x150 N16 G2 I24 h0", 2, 150, 128, 16, 2, dtype, 24, has_h0=True)
        r += check_case(scan, f"{t} 1x192x777 N16 I8 no z/D/bias", 1, 777, 192, 16, 1, dtype, 8,
                        has_z=False, has_d=False, has_bias=False)
        r += check_case(scan, f"{t} 1x64x300 N16 I16 h0 no softplus/bias", 1, 300, 64, 16, 1, dtype, 16,
                        softplus=False, has_bias=False, has_h0=True)
    if big:
        for dt, b, D, L in BENCH_SHAPES:
            dtype = f32 if dt == "fp32" else bf
            Dc = D if L <= 16384 else 256  # the float64 reference of the longest shape on fewer channels
            r += check_case(scan, f"{dt} {b}x{Dc}x{L} N16 I16 (bench shape)", b, L, Dc, 16, 1, dtype, 16,
                            chunked=False)
    return r


# ----------------------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------------------

GRAPH = False  # --graph: time CUDA-graph replays of one call instead of the calls themselves


def time_ms(fn, reps=20, warm=3):
    """(median, min, max) ms of fn between two CUDA events, after warm-up. With GRAPH, one call of fn
    is captured into a CUDA graph and its replays are timed: the GPU time of the work without the
    host's launch path (this harness launches our kernels from Python through ctypes, tens of
    microseconds a call), for ours and the reference alike."""
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    run = fn
    if GRAPH:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            fn()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            fn()
        run = graph.replay
        for _ in range(warm):
            run()
        torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        run()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    return statistics.median(times), min(times), max(times)


BENCH_INTERVAL = 16  # the checkpoint interval the CUDA kernels prefer (one backward tile)


def bench(scan, ref_mod, variants, log, configs=None, chunk_counts=CHUNK_COUNTS, dtypes=("fp32", "bf16"), shapes=None):
    rows = []
    for dt, b, D, L in [s for s in BENCH_SHAPES if s[0] in dtypes and (shapes is None or f"{s[1]}x{s[2]}x{s[3]}" in shapes)]:
        dtype = torch.float32 if dt == "fp32" else torch.bfloat16
        N, G, interval = 16, 1, BENCH_INTERVAL
        x = make_inputs(b, L, D, N, G, dtype)
        dy = torch.randn(b, L, D, device="cuda").to(dtype)
        nck = (L + interval - 1) // interval
        fout = {"y": torch.empty(b, L, D, device="cuda", dtype=dtype),
                "last_state": torch.empty(b, D, N, device="cuda", dtype=dtype),
                "checkpoints": torch.empty(b, nck, D, N, device="cuda", dtype=dtype)}
        g = {"du": torch.empty_like(x["u"]), "d_delta": torch.empty_like(x["u"]), "dz": torch.empty_like(x["u"]),
             "d_h0": None, "dA": torch.empty(D, N, device="cuda", dtype=dtype),
             "dB": torch.empty(b, L, G, N, device="cuda", dtype=dtype),
             "dC": torch.empty(b, L, G, N, device="cuda", dtype=dtype),
             "dD": torch.empty(D, device="cuda", dtype=dtype), "d_bias": torch.empty(D, device="cuda", dtype=dtype)}
        work = {}
        if dtype != torch.float32:
            work = {k: torch.empty(g[k].shape, device="cuda", dtype=torch.float32)
                    for k in ("dA", "dB", "dC", "dD", "d_bias")}
        fs, bs = policy_forward_shape(b, L, D, G, N, interval, scan.resident(dtype), dtype), policy_shapes(N)[1]
        runs = [((fs, bs), None)]
        if variants:
            for cfg in [c for c in (configs or CONFIGS) if c[0] * c[1] == N]:
                for k in chunk_counts:
                    if k == 1 or L // k >= 256:
                        runs.append(((cfg, cfg), k))
        best_f = best_b = None
        for cfg, k in runs:
            cf = None if k is None else split(L, k, 32)
            cb = None if k is None else split(L, k, interval)
            tf = time_ms(lambda: scan.forward(x, interval, True, cfg[0], fout, cf, work))
            scan.forward(x, interval, True, cfg[0], fout, cf, work)
            tb = time_ms(lambda: scan.backward(x, fout["checkpoints"], dy, None, interval, True, cfg[1], g, work, cb))
            log.append({"shape": [dt, b, D, L], "cfg": cfg, "chunks": k, "fwd_ms": tf, "bwd_ms": tb})
            print(f"  {dt} {b}x{D}x{L} cfg={cfg} chunks={k or 'policy'}: fwd {tf[0]:.3f} ms (min {tf[1]:.3f}), "
                  f"bwd {tb[0]:.3f} ms (min {tb[1]:.3f})", flush=True)
            if k is None:
                dflt_f, dflt_b = tf[0], tb[0]
            if best_f is None or tf[0] < best_f[2]:
                best_f = (cfg, k, tf[0])
            if best_b is None or tb[0] < best_b[2]:
                best_b = (cfg, k, tb[0])
        rf = rb = None
        if ref_mod is not None:
            rf, rb = time_reference(ref_mod, b, D, L, N, dtype)
        rows.append((dt, b, D, L, dflt_f, dflt_b, best_f, best_b, rf, rb))
        del x, dy, fout, g, work
        torch.cuda.empty_cache()
    return rows


def time_reference(mod, b, D, L, N, dtype):
    dev = "cuda"
    u = torch.randn(b, D, L, device=dev).to(dtype)
    delta = (0.5 * torch.randn(b, D, L, device=dev)).to(dtype)
    A = -torch.exp(torch.rand(D, N, device=dev) * math.log(16.0))
    B = torch.randn(b, 1, N, L, device=dev).to(dtype)
    C = torch.randn(b, 1, N, L, device=dev).to(dtype)
    Dv = torch.randn(D, device=dev)
    z = torch.randn(b, D, L, device=dev).to(dtype)
    bias = torch.log(torch.expm1(torch.exp(torch.rand(D, device=dev) * (math.log(0.1) - math.log(0.001))
                                           + math.log(0.001))))
    dout = torch.randn(b, D, L, device=dev).to(dtype)
    tf = time_ms(lambda: mod.fwd(u, delta, A, B, C, Dv, z, bias, True))
    out, x, *rest = mod.fwd(u, delta, A, B, C, Dv, z, bias, True)
    tb = time_ms(lambda: mod.bwd(u, delta, A, B, C, Dv, z, bias, dout, x, out, None, True, False))
    return tf[0], tb[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fatbin", required=True)
    ap.add_argument("--check", action="store_true", help="correctness suite on small shapes")
    ap.add_argument("--check-big", action="store_true", help="also check the benchmark shapes")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--variants", action="store_true", help="time every kernel shape, not just the default")
    ap.add_argument("--configs", help="--variants: only these shapes, e.g. 4x4x32,8x2x16")
    ap.add_argument("--chunks", help="--variants: only these chunk counts, e.g. 1,2,4")
    ap.add_argument("--graph", action="store_true", help="time CUDA-graph replays (GPU time without launch overhead)")
    ap.add_argument("--dtypes", default="fp32,bf16", help="--time: the benchmark shapes of these types")
    ap.add_argument("--shapes", help="--time: only these benchmark shapes, e.g. 1x2048x16384,8x1536x2048")
    ap.add_argument("--no-pdl", action="store_true", help="plain launches only (no programmatic dependent launch)")
    ap.add_argument("--no-keep-delta", action="store_true",
                    help="the channel-per-thread main pass computes delta' itself (no float32 delta' workspace)")
    ap.add_argument("--no-end-chunks", action="store_true",
                    help="the channel-per-thread forward without end chunks (chunk 0 in the main launch)")
    ap.add_argument("--json", help="write the measurements here")
    a = ap.parse_args()
    global GRAPH
    GRAPH = a.graph
    drv = Driver(a.fatbin, pdl=not a.no_pdl)
    scan = OurScan(drv, keep_delta=not a.no_keep_delta, end_chunks=not a.no_end_chunks)
    print(f"device: {torch.cuda.get_device_name()} torch {torch.__version__}; "
          f"module loaded in {drv.load_seconds:.2f} s; programmatic dependent launch {'on' if drv.pdl else 'off'}",
          flush=True)
    report = {"device": torch.cuda.get_device_name(), "load_seconds": drv.load_seconds}
    failures = 0
    if a.check or a.check_big:
        t = time.time()
        res = check_suite(scan, a.check_big, a.variants)
        failures = sum(1 for r in res if not r[2])
        report["checks"] = [{"case": r[0], "cfg": r[1], "ok": r[2], "worst": r[3], "errors": r[4]} for r in res]
        print(f"checks: {len(res) - failures} passed, {failures} failed ({time.time() - t:.1f} s)", flush=True)
    if a.time:
        ref_mod = None
        try:
            import selective_scan_cuda as ref_mod  # noqa: F401  (built outside ssm4j, if present)
        except ImportError as e:
            print(f"reference selective_scan_cuda not importable ({e}): timing ssm4j only", flush=True)
        log = []
        configs = [tuple(int(v) for v in c.split("x")) for c in a.configs.split(",")] if a.configs else None
        chunk_counts = tuple(int(v) for v in a.chunks.split(",")) if a.chunks else CHUNK_COUNTS
        rows = bench(scan, ref_mod, a.variants, log, configs, chunk_counts, tuple(a.dtypes.split(",")),
                     a.shapes.split(",") if a.shapes else None)
        report["timings"] = log
        report["table"] = rows
        print()
        print("timing: " + ("CUDA-graph replays" if GRAPH else "calls") + ", median of 20")
        print("| dtype | b x d x l | fwd ms (ours) | fwd ms (ref) | fwd ratio | bwd ms (ours) | bwd ms (ref) | bwd ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for dt, b, D, L, f, bw, bf, bb, rf, rb in rows:
            ratio_f = f"{f / rf:.2f}" if rf else "-"
            ratio_b = f"{bw / rb:.2f}" if rb else "-"
            print(f"| {dt} | {b} x {D} x {L} | {f:.3f} | {rf if rf is None else round(rf, 3)} | {ratio_f} "
                  f"| {bw:.3f} | {rb if rb is None else round(rb, 3)} | {ratio_b} |")
        if a.variants:
            for r in rows:
                print(f"best {r[0]} {r[1]}x{r[2]}x{r[3]}: fwd {r[6]} bwd {r[7]}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
