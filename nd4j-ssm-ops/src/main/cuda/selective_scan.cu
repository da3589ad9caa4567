// Selective scan (Mamba S6) forward and backward kernels for ssm4j.
//
// Layout (ScanSpec): u, delta, z, y, dy, du, ddelta, dz are (batch, length, channels);
// B, C are (batch, length, groups, state); A is (channels, state); D and delta_bias are
// (channels); initial/last states are (batch, channels, state); checkpoints are
// (batch, checkpoints, channels, state) where checkpoint j is the state before step
// j * interval. Every buffer has the element type T (float or bfloat16); states and sums are
// float32 inside the kernels.
//
// Mapping: a thread block holds DT channels of one group and one batch row and walks the
// whole sequence. Each channel is served by NL lanes of one warp, each lane holding NPT of
// the state entries in registers (NL * NPT >= state). The recurrence runs sequentially in
// time, so each state entry costs one exp2 and three multiply-adds per step. Inputs are
// staged in shared memory in tiles of TS steps, the next tile being loaded into registers
// while the current one is scanned. Sums over the state (y, and in the backward the
// gradients of delta and u) are gathered per tile with a transposed butterfly: NL-1
// shuffles per lane for every NL steps instead of log2(NL) shuffles per step.
//
// Backward: the block walks the checkpoint intervals from last to first, carrying the
// adjoint of the state. Inside an interval it first re-runs the recurrence from the
// checkpoint to store the state at every TS-step sub-chunk start in a scratch buffer, then
// processes the sub-chunks from last to first: recompute the TS states into shared memory,
// then run the adjoint backwards. Gradients of B and C are summed over the block's
// channels in shared memory and added to fp32 accumulators with one atomic per
// (batch, step, state) and block; dA, dD and ddelta_bias are summed per thread and added
// atomically once per block.

#include <cuda_bf16.h>
#include <cstddef>
#include <cstdint>

namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr float kLog2e = 1.4426950408889634f;

// Must match org.ssm4j.kernels.cuda.ScanParams (the Java layout) field for field.
struct ScanParams {
    const void* u;
    const void* delta;
    const void* A;
    const void* B;
    const void* C;
    const void* D;
    const void* z;
    const void* delta_bias;
    const void* h0;
    void* y;
    void* last_state;
    void* checkpoints;
    const void* dy;
    const void* d_last;
    void* du;
    void* d_delta;
    void* dz;
    void* d_h0;
    float* dA;      // (channels, state), fp32, zeroed before the backward launch
    float* dB;      // (batch, length, groups, state), fp32, zeroed
    float* dC;      // (batch, length, groups, state), fp32, zeroed
    float* dD;      // (channels), fp32, zeroed
    float* d_bias;  // (channels), fp32, zeroed
    float* scratch; // backward: sub-chunk start states, (batch, subchunks - 1, channels, NS)
    int batch;
    int length;
    int channels;
    int state;
    int groups;
    int interval;
    int flags;
    int scratch_subchunks;  // sub-chunk start slots per (batch) in scratch
};

static_assert(sizeof(ScanParams) == 24 * 8 + 8 * 4, "ScanParams layout");
static_assert(offsetof(ScanParams, batch) == 192, "ScanParams layout");

enum : int {
    kSoftplus = 1,
    kHasD = 2,
    kHasZ = 4,
    kHasBias = 8,
    kHasH0 = 16,
    kHasDLast = 32,
    kHasCheckpoints = 64,
};

__device__ __forceinline__ float fast_ex2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

__device__ __forceinline__ float fast_exp(float x) { return fast_ex2(x * kLog2e); }

__device__ __forceinline__ float sigmoid(float x) { return __fdividef(1.f, 1.f + fast_exp(-x)); }

__device__ __forceinline__ float softplus(float x) { return x > 20.f ? x : log1pf(fast_exp(x)); }

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T> __device__ __forceinline__ T from_float(float x);
template <> __device__ __forceinline__ float from_float<float>(float x) { return x; }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
    return __float2bfloat16_rn(x);
}

template <typename T> __device__ __forceinline__ float load(const void* p, size_t i) {
    return to_float(static_cast<const T*>(p)[i]);
}

template <typename T> __device__ __forceinline__ void store(void* p, size_t i, float v) {
    static_cast<T*>(p)[i] = from_float<T>(v);
}

// 16-byte vectors: 4 floats or 8 bfloat16.
template <typename T> struct Vec16 {
    static constexpr int N = 16 / sizeof(T);
};

template <typename T>
__device__ __forceinline__ void unpack(const uint4& v, float (&f)[Vec16<T>::N]) {
    if constexpr (sizeof(T) == 4) {
        f[0] = __uint_as_float(v.x);
        f[1] = __uint_as_float(v.y);
        f[2] = __uint_as_float(v.z);
        f[3] = __uint_as_float(v.w);
    } else {
        const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            f[2 * i] = __uint_as_float(w[i] << 16);
            f[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
        }
    }
}

template <typename T>
__device__ __forceinline__ uint4 pack(const float (&f)[Vec16<T>::N]) {
    uint4 v;
    if constexpr (sizeof(T) == 4) {
        v.x = __float_as_uint(f[0]);
        v.y = __float_as_uint(f[1]);
        v.z = __float_as_uint(f[2]);
        v.w = __float_as_uint(f[3]);
    } else {
        unsigned w[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            __nv_bfloat162 h = __floats2bfloat162_rn(f[2 * i], f[2 * i + 1]);
            w[i] = *reinterpret_cast<unsigned*>(&h);
        }
        v = make_uint4(w[0], w[1], w[2], w[3]);
    }
    return v;
}

__device__ __forceinline__ bool aligned16(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

// Transposed butterfly over the NL lanes of a channel: on entry each lane holds R partial
// values; on exit lane j holds, in v[0 .. R/NL), the sums over the NL lanes of the
// entries j*(R/NL) .. (j+1)*(R/NL)-1.
template <int NL, int R>
__device__ __forceinline__ void reduce_scatter(float (&v)[R], int lane) {
    static_assert(R % NL == 0, "R must be a multiple of NL");
    if constexpr (NL > 1) {
        constexpr int O = NL / 2;
        constexpr int H = R / 2;
        const bool upper = (lane & O) != 0;
#pragma unroll
        for (int i = 0; i < H; ++i) {
            const float send = upper ? v[i] : v[i + H];
            const float keep = upper ? v[i + H] : v[i];
            v[i] = keep + __shfl_xor_sync(kFullMask, send, O);
        }
        float (&half)[H] = *reinterpret_cast<float (*)[H]>(&v[0]);
        reduce_scatter<O, H>(half, lane & (O - 1));
    }
}

// Compile-time shape of one kernel instance.
template <typename T_, int NL_, int NPT_, int DT_, int TS_>
struct Config {
    using T = T_;
    static constexpr int NL = NL_;          // lanes per channel
    static constexpr int NPT = NPT_;        // state entries per lane
    static constexpr int DT = DT_;          // channels per block
    static constexpr int TS = TS_;          // steps per shared-memory tile
    static constexpr int NS = NL * NPT;     // state entries per channel held by the block
    static constexpr int THREADS = NL * DT;
    static constexpr int M = TS / NL;       // steps per lane after a reduce_scatter
    static constexpr int VEC = Vec16<T>::N;
    static constexpr int CVEC = TS * DT / VEC;                 // 16-byte vectors in a channel tile
    static constexpr int CPT = (CVEC + THREADS - 1) / THREADS; // ... per thread
    static constexpr int SVEC = TS * NS / VEC;                 // at most, in a B or C tile
    static constexpr int SPT = (SVEC + THREADS - 1) / THREADS;
    static_assert(TS % NL == 0, "TS must be a multiple of NL");
    static_assert(DT % VEC == 0, "DT must be a multiple of the vector width");
    static_assert(32 % NL == 0, "NL must divide the warp");
    static_assert(THREADS % 32 == 0 && THREADS <= 1024, "whole warps");
};

// Where a block sits: batch row, its channel range (inside one group) and its thread's
// channel / lane / state entries.
template <class K>
struct Place {
    int b, g, d0, dend, ch, lane, n0, d;
    bool channel_ok;
    __device__ Place(const ScanParams& p) {
        const int cpg = p.channels / p.groups;
        const int tiles_per_group = (cpg + K::DT - 1) / K::DT;
        b = blockIdx.y;
        g = blockIdx.x / tiles_per_group;
        d0 = g * cpg + (blockIdx.x % tiles_per_group) * K::DT;
        dend = min(g * cpg + cpg, d0 + K::DT);
        ch = threadIdx.x / K::NL;
        lane = threadIdx.x % K::NL;
        n0 = lane * K::NPT;
        d = d0 + ch;
        channel_ok = d < dend;
    }
};

// The channel inputs a tile load reads; absent ones (nullptr) read as zeros.
template <int NCH>
struct Sources {
    const void* ptr[NCH];
};

// Loads tiles of TS steps of the channel inputs (u, delta, z, dy) and of B and C into
// registers with 16-byte loads, or reports that the block must use the element path.
template <class K, int NCH>
struct TilePrefetch {
    using T = typename K::T;
    uint4 ch[NCH][K::CPT];
    uint4 b[K::SPT];
    uint4 c[K::SPT];

    __device__ void load(const Sources<NCH> src, const void* Bp, const void* Cp, bool needC,
                         const ScanParams& p, const Place<K>& at, int t0) {
        constexpr int RV = K::DT / K::VEC;  // vectors per tile row
#pragma unroll
        for (int j = 0; j < K::CPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            const int t = i / RV;
            const bool ok = i < K::CVEC && t0 + t < p.length;
            const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + (i % RV) * K::VEC;
#pragma unroll
            for (int a = 0; a < NCH; ++a) {
                ch[a][j] = (ok && src.ptr[a] != nullptr)
                    ? __ldg(reinterpret_cast<const uint4*>(static_cast<const T*>(src.ptr[a]) + off))
                    : make_uint4(0, 0, 0, 0);
            }
        }
        const int rv = p.state / K::VEC;  // vectors per B row
        const int nvec = K::TS * rv;
#pragma unroll
        for (int j = 0; j < K::SPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            const int t = i / rv;
            const bool ok = i < nvec && t0 + t < p.length;
            const size_t off = ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state + (i % rv) * K::VEC;
            b[j] = ok ? __ldg(reinterpret_cast<const uint4*>(static_cast<const T*>(Bp) + off)) : make_uint4(0, 0, 0, 0);
            c[j] = (ok && needC) ? __ldg(reinterpret_cast<const uint4*>(static_cast<const T*>(Cp) + off)) : make_uint4(0, 0, 0, 0);
        }
    }

    // Hands every element of the prefetched tile to put(t, c, values[NCH], valid) and
    // putBC(t, n, b, c).
    template <class Put, class PutBC>
    __device__ void unpack_to(const ScanParams& p, int t0, Put&& put, PutBC&& putBC) const {
        constexpr int RV = K::DT / K::VEC;
#pragma unroll
        for (int j = 0; j < K::CPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            if (i < K::CVEC) {
                const int t = i / RV;
                const int c = (i % RV) * K::VEC;
                float f[NCH][K::VEC];
#pragma unroll
                for (int a = 0; a < NCH; ++a) unpack<T>(ch[a][j], f[a]);
                const bool valid = t0 + t < p.length;
#pragma unroll
                for (int e = 0; e < K::VEC; ++e) {
                    float v[NCH];
#pragma unroll
                    for (int a = 0; a < NCH; ++a) v[a] = f[a][e];
                    put(t, c + e, v, valid);
                }
            }
        }
        const int rv = p.state / K::VEC;
        const int nvec = K::TS * rv;
#pragma unroll
        for (int j = 0; j < K::SPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            if (i < nvec) {
                const int t = i / rv;
                const int n = (i % rv) * K::VEC;
                float fb[K::VEC], fc[K::VEC];
                unpack<T>(b[j], fb);
                unpack<T>(c[j], fc);
#pragma unroll
                for (int e = 0; e < K::VEC; ++e) putBC(t, n + e, fb[e], fc[e]);
            }
        }
    }
};

// The element path for blocks whose tiles are not 16-byte aligned: reads global memory
// directly, one element at a time.
template <class K, int NCH, class Put, class PutBC>
__device__ void load_elementwise(const Sources<NCH> src, const void* Bp, const void* Cp, bool needC,
                                 const ScanParams& p, const Place<K>& at, int t0, Put&& put, PutBC&& putBC) {
    using T = typename K::T;
    for (int i = threadIdx.x; i < K::TS * K::DT; i += K::THREADS) {
        const int t = i / K::DT;
        const int c = i % K::DT;
        const bool valid = t0 + t < p.length && at.d0 + c < at.dend;
        const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c;
        float v[NCH];
#pragma unroll
        for (int a = 0; a < NCH; ++a) v[a] = (valid && src.ptr[a] != nullptr) ? load<T>(src.ptr[a], off) : 0.f;
        put(t, c, v, valid);
    }
    for (int i = threadIdx.x; i < K::TS * p.state; i += K::THREADS) {
        const int t = i / p.state;
        const int n = i % p.state;
        const bool valid = t0 + t < p.length;
        const size_t off = ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state + n;
        putBC(t, n, valid ? load<T>(Bp, off) : 0.f, (valid && needC) ? load<T>(Cp, off) : 0.f);
    }
}

// True when every tile of this block can move with 16-byte loads and stores (absent
// tensors are passed as nullptr, which counts as aligned).
template <class K, int NP>
__device__ bool vector_path(const ScanParams& p, const Place<K>& at, const void* const (&ptrs)[NP]) {
    using T = typename K::T;
    bool ok = (static_cast<size_t>(p.channels) * sizeof(T)) % 16 == 0
        && (static_cast<size_t>(at.d0) * sizeof(T)) % 16 == 0
        && at.d0 + K::DT == at.dend
        && (static_cast<size_t>(p.state) * sizeof(T)) % 16 == 0;
#pragma unroll
    for (int i = 0; i < NP; ++i) ok = ok && aligned16(ptrs[i]);
    return ok;
}

// Stores a (TS, DT) float tile from shared memory (rows padded to DT + 1) to a
// (batch, length, channels) tensor, skipping steps past the end and invalid channels.
template <class K>
__device__ void store_tile(void* dst, const float (*tile)[K::DT + 1], const ScanParams& p, const Place<K>& at,
                           int t0, bool vec) {
    using T = typename K::T;
    if (vec) {
        constexpr int RV = K::DT / K::VEC;
        for (int i = threadIdx.x; i < K::CVEC; i += K::THREADS) {
            const int t = i / RV;
            const int c = (i % RV) * K::VEC;
            if (t0 + t < p.length) {
                float f[K::VEC];
#pragma unroll
                for (int e = 0; e < K::VEC; ++e) f[e] = tile[t][c + e];
                const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c;
                *reinterpret_cast<uint4*>(static_cast<T*>(dst) + off) = pack<T>(f);
            }
        }
    } else {
        for (int i = threadIdx.x; i < K::TS * K::DT; i += K::THREADS) {
            const int t = i / K::DT;
            const int c = i % K::DT;
            if (t0 + t < p.length && at.d0 + c < at.dend) {
                store<T>(dst, (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c, tile[t][c]);
            }
        }
    }
}

// ------------------------------------------------------------------------------------
// Forward
// ------------------------------------------------------------------------------------

template <class K>
struct FwdSmem {
    float2 dtu[K::TS][K::DT];          // (delta', delta' * u)
    float u[K::TS][K::DT + 1];
    float z[K::TS][K::DT + 1];
    float y[K::TS][K::DT + 1];
    float2 bc[K::TS][K::NS];           // (B, C), zero past the state size
    float bias[K::DT];
    float dskip[K::DT];
};

template <class K>
__device__ __forceinline__ void scan_forward(const ScanParams& p) {
    using T = typename K::T;
    __shared__ FwdSmem<K> s;
    const Place<K> at(p);
    const bool softplus_on = p.flags & kSoftplus;
    const bool has_z = p.flags & kHasZ;

    // Per-channel constants and the zero padding of B and C past the state size.
    for (int i = threadIdx.x; i < K::DT; i += K::THREADS) {
        const bool ok = at.d0 + i < at.dend;
        s.bias[i] = (ok && (p.flags & kHasBias)) ? load<T>(p.delta_bias, at.d0 + i) : 0.f;
        s.dskip[i] = (ok && (p.flags & kHasD)) ? load<T>(p.D, at.d0 + i) : 0.f;
    }
    for (int i = threadIdx.x; i < K::TS * K::NS; i += K::THREADS) s.bc[i / K::NS][i % K::NS] = make_float2(0.f, 0.f);

    float a2[K::NPT], h[K::NPT];
#pragma unroll
    for (int k = 0; k < K::NPT; ++k) {
        const int n = at.n0 + k;
        const bool ok = at.channel_ok && n < p.state;
        a2[k] = ok ? load<T>(p.A, static_cast<size_t>(at.d) * p.state + n) * kLog2e : 0.f;
        h[k] = (ok && (p.flags & kHasH0)) ? load<T>(p.h0, (static_cast<size_t>(at.b) * p.channels + at.d) * p.state + n) : 0.f;
    }

    const Sources<3> srcs{{p.u, p.delta, has_z ? p.z : nullptr}};
    const void* const ptrs[] = {p.u, p.delta, p.B, p.C, p.y, has_z ? p.z : nullptr};
    const bool vec = vector_path<K>(p, at, ptrs);

    auto put = [&](int t, int c, const float (&v)[3], bool valid) {
        float dt = v[1] + s.bias[c];
        if (softplus_on) dt = softplus(dt);
        if (!valid) dt = 0.f;
        s.dtu[t][c] = make_float2(dt, dt * v[0]);
        s.u[t][c] = v[0];
        s.z[t][c] = v[2];
    };
    auto putBC = [&](int t, int n, float bv, float cv) { s.bc[t][n] = make_float2(bv, cv); };

    TilePrefetch<K, 3> pre;
    if (vec) pre.load(srcs, p.B, p.C, true, p, at, 0);

    const bool ckpt = (p.flags & kHasCheckpoints) != 0;
    int next_ckpt = 0;
    int ckpt_index = 0;
    const int ntiles = (p.length + K::TS - 1) / K::TS;
    for (int tile = 0; tile < ntiles; ++tile) {
        const int t0 = tile * K::TS;
        __syncthreads();
        if (vec) {
            pre.unpack_to(p, t0, put, putBC);
            if (tile + 1 < ntiles) pre.load(srcs, p.B, p.C, true, p, at, t0 + K::TS);
        } else {
            load_elementwise<K, 3>(srcs, p.B, p.C, true, p, at, t0, put, putBC);
        }
        __syncthreads();

        float part[K::TS];
#pragma unroll
        for (int i = 0; i < K::TS; ++i) {
            if (ckpt && t0 + i == next_ckpt && next_ckpt < p.length) {
                if (at.channel_ok) {
                    const size_t base = ((static_cast<size_t>(at.b) * ((p.length + p.interval - 1) / p.interval) + ckpt_index)
                                         * p.channels + at.d) * p.state;
#pragma unroll
                    for (int k = 0; k < K::NPT; ++k) {
                        if (at.n0 + k < p.state) store<T>(p.checkpoints, base + at.n0 + k, h[k]);
                    }
                }
                ++ckpt_index;
                next_ckpt += p.interval;
            }
            const float2 dd = s.dtu[i][at.ch];
            float acc = 0.f;
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) {
                const float2 bc = s.bc[i][at.n0 + k];
                const float a = fast_ex2(dd.x * a2[k]);
                h[k] = fmaf(a, h[k], dd.y * bc.x);
                acc = fmaf(bc.y, h[k], acc);
            }
            part[i] = acc;
        }
        reduce_scatter<K::NL, K::TS>(part, at.lane);
#pragma unroll
        for (int m = 0; m < K::M; ++m) {
            const int t = at.lane * K::M + m;
            float out = part[m] + s.dskip[at.ch] * s.u[t][at.ch];
            if (has_z) {
                const float zv = s.z[t][at.ch];
                out *= zv * sigmoid(zv);
            }
            s.y[t][at.ch] = out;
        }
        __syncthreads();
        store_tile<K>(p.y, s.y, p, at, t0, vec);
    }

    if (at.channel_ok) {
        const size_t base = (static_cast<size_t>(at.b) * p.channels + at.d) * p.state;
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            if (at.n0 + k < p.state) store<T>(p.last_state, base + at.n0 + k, h[k]);
        }
    }
}

// ------------------------------------------------------------------------------------
// Backward
// ------------------------------------------------------------------------------------

template <class K>
struct BwdSmem {
    float4 pre[K::TS][K::DT];          // (delta', delta' * u, dout = dy * silu(z), dsoftplus)
    float u[K::TS][K::DT + 1];
    float z[K::TS][K::DT + 1];
    float dy[K::TS][K::DT + 1];
    float2 bc[K::TS][K::NS];
    float hp[K::TS][K::DT][K::NS];      // recomputed state before each step
    float dBp[K::TS][K::NS][K::DT + 1]; // per-channel partial gradients of B
    float dCp[K::TS][K::NS][K::DT + 1]; // ... and of C
    float du[K::TS][K::DT + 1];
    float dd[K::TS][K::DT + 1];
    float dz[K::TS][K::DT + 1];
    float bias[K::DT];
    float dskip[K::DT];
};

// One tile of the backward walk: interval c, sub-chunk sub, first pass (states at the
// sub-chunk starts) or second pass (gradients).
struct BwdStep {
    int c, sub;
    bool second;
};

template <class K>
struct BwdWalk {
    int length, interval;
    __device__ int subchunks(int c) const {
        const int cs = c * interval;
        return (min(length, cs + interval) - cs + K::TS - 1) / K::TS;
    }
    __device__ BwdStep first(int c) const { return BwdStep{c, 0, subchunks(c) == 1}; }
    __device__ BwdStep next(const BwdStep& st) const {
        const int ns = subchunks(st.c);
        if (!st.second) return st.sub + 2 < ns ? BwdStep{st.c, st.sub + 1, false} : BwdStep{st.c, ns - 1, true};
        if (st.sub > 0) return BwdStep{st.c, st.sub - 1, true};
        return st.c == 0 ? BwdStep{-1, 0, true} : first(st.c - 1);
    }
    __device__ int t0(const BwdStep& st) const { return st.c * interval + st.sub * K::TS; }
};

template <class K>
__device__ __forceinline__ void scan_backward(const ScanParams& p, BwdSmem<K>& s) {
    using T = typename K::T;
    const Place<K> at(p);
    const bool softplus_on = p.flags & kSoftplus;
    const bool has_z = p.flags & kHasZ;

    for (int i = threadIdx.x; i < K::DT; i += K::THREADS) {
        const bool ok = at.d0 + i < at.dend;
        s.bias[i] = (ok && (p.flags & kHasBias)) ? load<T>(p.delta_bias, at.d0 + i) : 0.f;
        s.dskip[i] = (ok && (p.flags & kHasD)) ? load<T>(p.D, at.d0 + i) : 0.f;
    }
    for (int i = threadIdx.x; i < K::TS * K::NS; i += K::THREADS) s.bc[i / K::NS][i % K::NS] = make_float2(0.f, 0.f);

    float a2[K::NPT], av[K::NPT], q[K::NPT], dA_acc[K::NPT];
#pragma unroll
    for (int k = 0; k < K::NPT; ++k) {
        const int n = at.n0 + k;
        const bool ok = at.channel_ok && n < p.state;
        av[k] = ok ? load<T>(p.A, static_cast<size_t>(at.d) * p.state + n) : 0.f;
        a2[k] = av[k] * kLog2e;
        q[k] = (ok && (p.flags & kHasDLast)) ? load<T>(p.d_last, (static_cast<size_t>(at.b) * p.channels + at.d) * p.state + n) : 0.f;
        dA_acc[k] = 0.f;
    }
    float dD_acc = 0.f, dbias_acc = 0.f;

    const Sources<4> srcs_full{{p.u, p.delta, has_z ? p.z : nullptr, p.dy}};
    const Sources<4> srcs_light{{p.u, p.delta, nullptr, nullptr}};
    const void* const ptrs[] = {p.u, p.delta, p.dy, p.du, p.d_delta, p.B, p.C, has_z ? p.z : nullptr, has_z ? p.dz : nullptr};
    const bool vec = vector_path<K>(p, at, ptrs);

    auto put = [&](int t, int c, const float (&v)[4], bool valid) {
        const float x = v[1] + s.bias[c];
        float dt = x, dsp = 1.f;
        if (softplus_on) {
            dt = softplus(x);
            dsp = sigmoid(x);
        }
        float dout = v[3];
        if (has_z) dout *= v[2] * sigmoid(v[2]);
        if (!valid) {
            dt = 0.f;
            dout = 0.f;
        }
        s.pre[t][c] = make_float4(dt, dt * v[0], dout, dsp);
        s.u[t][c] = v[0];
        s.z[t][c] = v[2];
        s.dy[t][c] = v[3];
    };
    auto putBC = [&](int t, int n, float bv, float cv) { s.bc[t][n] = make_float2(bv, cv); };

    const int nck = (p.length + p.interval - 1) / p.interval;
    const size_t ckpt_base = static_cast<size_t>(at.b) * nck * p.channels * p.state + static_cast<size_t>(at.d) * p.state;
    auto load_checkpoint = [&](int c, float (&h)[K::NPT]) {
        const size_t base = ckpt_base + static_cast<size_t>(c) * p.channels * p.state;
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            h[k] = (at.channel_ok && at.n0 + k < p.state) ? load<T>(p.checkpoints, base + at.n0 + k) : 0.f;
        }
    };
    // This thread's slots in the scratch buffer, one (channels, NS) slice per sub-chunk start.
    float* const scratch = p.scratch + (static_cast<size_t>(at.b) * p.scratch_subchunks * p.channels + at.d) * K::NS + at.n0;
    const size_t scratch_stride = static_cast<size_t>(p.channels) * K::NS;

    const BwdWalk<K> walk{p.length, p.interval};
    BwdStep cur = walk.first(nck - 1);
    TilePrefetch<K, 4> pre;
    if (vec) pre.load(cur.second ? srcs_full : srcs_light, p.B, p.C, cur.second, p, at, walk.t0(cur));
    float h[K::NPT];
    while (cur.c >= 0) {
        const int t0 = walk.t0(cur);
        const int tend = min(min(p.length, (cur.c + 1) * p.interval), t0 + K::TS);
        const BwdStep nxt = walk.next(cur);
        if (cur.sub == 0) {
            load_checkpoint(cur.c, h);
        } else if (cur.second) {
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) h[k] = at.channel_ok ? scratch[(cur.sub - 1) * scratch_stride + k] : 0.f;
        }
        // Steps of the next interval inside this tile are masked out (delta' = 0, dout = 0):
        // they are identity steps for the state and pass the adjoint through unchanged.
        ScanParams pl = p;
        pl.length = tend;
        __syncthreads();
        if (vec) {
            pre.unpack_to(pl, t0, put, putBC);
            if (nxt.c >= 0) pre.load(nxt.second ? srcs_full : srcs_light, p.B, p.C, nxt.second, p, at, walk.t0(nxt));
        } else {
            load_elementwise<K, 4>(cur.second ? srcs_full : srcs_light, p.B, p.C, cur.second, pl, at, t0, put, putBC);
        }
        __syncthreads();

        if (!cur.second) {
            // First pass: advance the state over this sub-chunk, keep it for the second pass.
#pragma unroll 4
            for (int i = 0; i < K::TS; ++i) {
                const float4 pr = s.pre[i][at.ch];
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    const float a = fast_ex2(pr.x * a2[k]);
                    h[k] = fmaf(a, h[k], pr.y * s.bc[i][at.n0 + k].x);
                }
            }
            if (at.channel_ok) {
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) scratch[cur.sub * scratch_stride + k] = h[k];
            }
            cur = nxt;
            continue;
        }

        // Second pass, 1: recompute the states before each step (the decays are recomputed
        // in the adjoint pass: an exp2 costs the same as a shared-memory round trip).
#pragma unroll
        for (int i = 0; i < K::TS; ++i) {
            const float4 pr = s.pre[i][at.ch];
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) {
                s.hp[i][at.ch][at.n0 + k] = h[k];
                h[k] = fmaf(fast_ex2(pr.x * a2[k]), h[k], pr.y * s.bc[i][at.n0 + k].x);
            }
        }
        // 2: the adjoint, backwards in time. q is the adjoint flowing into the state from
        // the later steps; g the full adjoint of the state after step i.
        float sa[K::TS], sb[K::TS], part[K::TS];
#pragma unroll
        for (int i = K::TS - 1; i >= 0; --i) {
            const float4 pr = s.pre[i][at.ch];
            float accA = 0.f, accB = 0.f, accC = 0.f;
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) {
                const float2 bc = s.bc[i][at.n0 + k];
                const float hprev = s.hp[i][at.ch][at.n0 + k];
                const float a = fast_ex2(pr.x * a2[k]);
                const float hcur = fmaf(a, hprev, pr.y * bc.x);
                const float g = fmaf(pr.z, bc.y, q[k]);
                const float x = g * hprev * a;
                accA = fmaf(x, av[k], accA);
                dA_acc[k] = fmaf(x, pr.x, dA_acc[k]);
                accB = fmaf(g, bc.x, accB);
                accC = fmaf(bc.y, hcur, accC);
                s.dBp[i][at.n0 + k][at.ch] = g * pr.y;
                s.dCp[i][at.n0 + k][at.ch] = pr.z * hcur;
                q[k] = a * g;
            }
            sa[i] = accA;
            sb[i] = accB;
            part[i] = accC;
        }
        if (has_z) {
            // dz needs the output before the gate.
            reduce_scatter<K::NL, K::TS>(part, at.lane);
#pragma unroll
            for (int m = 0; m < K::M; ++m) {
                const int t = at.lane * K::M + m;
                const float zv = s.z[t][at.ch];
                const float sg = sigmoid(zv);
                const float out = part[m] + s.dskip[at.ch] * s.u[t][at.ch];
                s.dz[t][at.ch] = s.dy[t][at.ch] * out * sg * (1.f + zv * (1.f - sg));
            }
        }
        // 3: per-step sums over the state: gradients of delta and u.
        reduce_scatter<K::NL, K::TS>(sa, at.lane);
        reduce_scatter<K::NL, K::TS>(sb, at.lane);
#pragma unroll
        for (int m = 0; m < K::M; ++m) {
            const int t = at.lane * K::M + m;
            if (t0 + t < tend) {
                const float4 pr = s.pre[t][at.ch];
                const float uval = s.u[t][at.ch];
                const float ddelta = fmaf(uval, sb[m], sa[m]) * pr.w;
                s.du[t][at.ch] = fmaf(pr.x, sb[m], pr.z * s.dskip[at.ch]);
                s.dd[t][at.ch] = ddelta;
                dbias_acc += ddelta;
                dD_acc = fmaf(pr.z, uval, dD_acc);
            }
        }
        __syncthreads();
        store_tile<K>(p.du, s.du, pl, at, t0, vec);
        store_tile<K>(p.d_delta, s.dd, pl, at, t0, vec);
        if (has_z) store_tile<K>(p.dz, s.dz, pl, at, t0, vec);
        // 4: dB, dC summed over the block's channels; one atomic per (step, state) and block.
        const int nvalid = at.dend - at.d0;
        for (int i = threadIdx.x; i < 2 * K::TS * K::NS; i += K::THREADS) {
            const int which = i / (K::TS * K::NS);
            const int t = (i / K::NS) % K::TS;
            const int n = i % K::NS;
            if (t0 + t < tend && n < p.state) {
                const float* row = which == 0 ? s.dBp[t][n] : s.dCp[t][n];
                float sum = 0.f;
                for (int cc = 0; cc < nvalid; ++cc) sum += row[cc];
                float* dst = which == 0 ? p.dB : p.dC;
                atomicAdd(dst + ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state + n, sum);
            }
        }
        cur = nxt;
    }

    // Gradient of the initial state: the adjoint that flowed past step 0.
    if ((p.flags & kHasH0) && at.channel_ok) {
        const size_t base = (static_cast<size_t>(at.b) * p.channels + at.d) * p.state;
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            if (at.n0 + k < p.state) store<T>(p.d_h0, base + at.n0 + k, q[k]);
        }
    }
    if (at.channel_ok) {
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            if (at.n0 + k < p.state) atomicAdd(p.dA + static_cast<size_t>(at.d) * p.state + at.n0 + k, dA_acc[k]);
        }
    }
#pragma unroll
    for (int o = K::NL / 2; o >= 1; o /= 2) {
        dD_acc += __shfl_xor_sync(kFullMask, dD_acc, o);
        dbias_acc += __shfl_xor_sync(kFullMask, dbias_acc, o);
    }
    if (at.channel_ok && at.lane == 0) {
        if (p.flags & kHasD) atomicAdd(p.dD + at.d, dD_acc);
        if (p.flags & kHasBias) atomicAdd(p.d_bias + at.d, dbias_acc);
    }
}

}  // namespace

// ------------------------------------------------------------------------------------
// Entry points. Names: ssm_scan_{fwd,bwd}_{f32,bf16}_l<NL>_s<NPT>_c<DT>. The forward uses
// tiles of 32 steps; the backward of 16 steps (8 when a lane holds 4 entries and a channel
// has at most 8 lanes).
// Each kernel has a companion global <name>_info = {threads per block, channels per
// block, steps per tile, dynamic shared memory bytes, state entries per channel} that the
// launchers read from the module.
// ------------------------------------------------------------------------------------

template <class K> constexpr int bwd_smem_bytes() { return static_cast<int>(sizeof(BwdSmem<K>)); }

#define SSM_FWD(NAME, T, NL, NPT, DT)                                                     \
    extern "C" __global__ void __launch_bounds__(NL * DT)                                 \
    NAME(const ScanParams p) { scan_forward<Config<T, NL, NPT, DT, 32>>(p); }             \
    extern "C" __device__ int NAME##_info[5] = {NL * DT, DT, 32, 0, NL * NPT};

#define SSM_BWD_TS(NL, NPT) ((NPT) >= 4 && (NL) <= 8 ? 8 : 16)
#define SSM_BWD(NAME, T, NL, NPT, DT)                                                     \
    extern "C" __global__ void __launch_bounds__(NL * DT, 512 / (NL * DT))                \
    NAME(const ScanParams p) {                                                            \
        using K = Config<T, NL, NPT, DT, SSM_BWD_TS(NL, NPT)>;                                \
        extern __shared__ __align__(16) unsigned char smem_raw[];                         \
        scan_backward<K>(p, *reinterpret_cast<BwdSmem<K>*>(smem_raw));                    \
    }                                                                                     \
    extern "C" __device__ int NAME##_info[5] = {NL * DT, DT, SSM_BWD_TS(NL, NPT),             \
        bwd_smem_bytes<Config<T, NL, NPT, DT, SSM_BWD_TS(NL, NPT)>>(), NL * NPT};

#define SSM_BOTH(TN, T, NL, NPT, DT)                                                      \
    SSM_FWD(ssm_scan_fwd_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT)                   \
    SSM_BWD(ssm_scan_bwd_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT)

#define SSM_ALL(NL, NPT, DT)                                                              \
    SSM_BOTH(f32, float, NL, NPT, DT)                                                     \
    SSM_BOTH(bf16, __nv_bfloat16, NL, NPT, DT)

// state <= 16
SSM_ALL(4, 4, 32)
SSM_ALL(8, 2, 16)
SSM_ALL(16, 1, 16)
SSM_ALL(16, 1, 8)
// state <= 32, <= 64
SSM_ALL(16, 2, 16)
SSM_ALL(16, 4, 16)

// fp32 accumulators to bfloat16 outputs.
extern "C" __global__ void ssm_f32_to_bf16(const float* src, __nv_bfloat16* dst, long long n) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        dst[i] = __float2bfloat16_rn(src[i]);
    }
}
