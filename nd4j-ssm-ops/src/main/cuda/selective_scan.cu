// Selective scan (Mamba S6) forward and backward kernels for ssm4j.
//
// Layout (ScanSpec): u, delta, z, y, dy, du, ddelta, dz are (batch, length, channels);
// B, C are (batch, length, groups, state); A is (channels, state); D and delta_bias are
// (channels); initial/last states are (batch, channels, state); checkpoints are
// (batch, checkpoints, channels, state) where checkpoint j is the state before step
// j * interval. Every buffer has the element type T (float or bfloat16); states and sums are
// float32 inside the kernels.
//
// Mapping: a thread block holds DT channels of one group, one batch row and one chunk of
// the sequence. Each channel is served by NL lanes of one warp, each lane holding NPT of
// the state entries in registers (NL * NPT >= state). Inside a chunk the recurrence runs
// sequentially in time, so a state entry costs one exp2 and three multiply-adds per step.
// Inputs are staged in shared memory in tiles of TS steps, in two buffers: the tile after
// next is loaded into registers and the next one staged while the current one is scanned
// (one barrier per forward tile, two per backward tile). Staging does the per-(step,
// channel) work once (softplus, the gate, D * u), spread over every warp; the step loops
// are branch-free. Sums over the state (y, and in the backward the gradients of delta and u)
// are gathered every NL steps with a transposed butterfly: NL-1 shuffles per lane for NL
// steps, lane j ending with step j's sum, which it writes (y straight to global memory).
//
// Long sequences with few (batch, channel) rows are cut into chunks scanned in parallel
// (three launches): a summary pass gives each chunk's end state from a zero start and its
// delta sum; a combine pass chains the chunks, (a1,b1)o(a2,b2) = (a2*a1, a2*b1+b2) with the
// chunk's decay a = exp(A * sum(delta)); the main pass rescans every chunk from its true
// start state. The backward does the same on the adjoint, from the end. For few rows of state 16
// a second forward family holds one channel per thread ("Forward, one thread per channel").
//
// Backward (per chunk): the block walks the checkpoint intervals from last to first,
// carrying the adjoint of the state. An interval longer than a tile is first re-run from
// its checkpoint to store the state at every tile start in a scratch buffer (with an
// interval of at most TS steps this pass does not exist). Each tile then recomputes its TS
// states into shared memory and runs the adjoint backwards, keeping the adjoint of every
// state there too; gradients of B and C are then summed over the block's channels from those
// and added to fp32 accumulators with one atomic per (batch, step, state) and block; dA, dD
// and ddelta_bias are summed per thread and added atomically once per block.

#include <cuda_bf16.h>
#include <cstddef>
#include <cstdint>
#include <type_traits>

// Which tiles the bfloat16 forward main pass keeps in shared memory as bfloat16 (the inputs'
// own values, so nothing is rounded): bit 0 B, bit 1 C. A bfloat16 row costs half the
// shared-memory wavefronts of a float one (the main pass's bottleneck) and one integer op per
// value to widen it. The summary pass, which is not bound by shared memory, keeps floats.
#ifndef SSM_FWD_BC16
#define SSM_FWD_BC16 3
#endif

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
    float* dA;          // (channels, state), fp32, zeroed before the backward launch
    float* dB;          // (batch, length, groups, state), fp32, zeroed
    float* dC;          // (batch, length, groups, state), fp32, zeroed
    float* dD;          // (channels), fp32, zeroed
    float* d_bias;      // (channels), fp32, zeroed
    float* scratch;     // backward: tile start states, (batch, chunks, scratch_tiles, channels, NS);
                        // channel-per-thread forward: kept delta', (batch, channels / 32, length, 32), or null
    float* chunk_state; // (batch, chunks, channels, state): summary pass end states / adjoints
    float* chunk_dsum;  // (batch, chunks, channels): summary pass delta sums
    float* chunk_start; // (batch, chunks, channels, state): combined start states / adjoints
    int batch;
    int length;
    int channels;
    int state;
    int groups;
    int interval;
    int flags;
    int scratch_tiles;  // tile start slots per (batch, chunk) in scratch
    int chunk_len;      // steps per chunk (a multiple of the tile; backward: of the interval)
    int chunks;
    int first_len;      // channel-per-thread forward with end chunks: chunk 0's steps (0: no end chunks)
    int long_chunks;    // with end chunks: how many chunks from chunk 1 on are one tile longer than chunk_len
};

static_assert(sizeof(ScanParams) == 27 * 8 + 12 * 4 && sizeof(ScanParams) == 264, "ScanParams layout");
static_assert(offsetof(ScanParams, batch) == 216, "ScanParams layout");

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

// Programmatic dependent launch (sm_90 and later; the launcher asks for it only there). The chunked
// passes run as summary -> combine -> main on one stream: the summary and the combine let their
// successor be launched as soon as all their blocks are running, and the combine and the main pass
// wait for their predecessor's completion and memory (griddepcontrol.wait) before they read what it
// wrote or write anything, so that their launch and prologue overlap its last blocks. Without the
// launch attribute the wait returns at once.
__device__ __forceinline__ void let_dependents_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
__device__ __forceinline__ void wait_for_predecessor() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ float fast_exp(float x) { return fast_ex2(x * kLog2e); }

__device__ __forceinline__ float sigmoid(float x) { return __fdividef(1.f, 1.f + fast_exp(-x)); }

// softplus(x) = max(x, 0) + log1p(e) with e = exp(-|x|) in (0, 1], and log1p(e) = 2 atanh(s) with
// s = e / (2 + e) in (0, 1/3]: 2 atanh(s) / s is a polynomial in s^2 (fitted on [0, 1/9], relative
// error 4e-9 before float rounding; the whole function is within 3e-7 of softplus in float32).
// Branch-free, one ex2 and one reciprocal. With sig != nullptr it also gives sigmoid(x) =
// (x >= 0 ? 1 : e) / (1 + e), which the backward needs, from the same exponential.
__device__ __forceinline__ float softplus(float x, float* sig = nullptr) {
    const float e = fast_ex2(-fabsf(x) * kLog2e);
    const float s = e * __fdividef(1.f, 2.f + e);
    const float w = s * s;
    float poly = fmaf(0.281614542f, w, 0.279643446f);
    poly = fmaf(poly, w, 0.400246501f);
    poly = fmaf(poly, w, 0.666663229f);
    poly = fmaf(poly, w, 2.f);
    if (sig != nullptr) *sig = __fdividef(x >= 0.f ? 1.f : e, 1.f + e);
    return fmaxf(x, 0.f) + s * poly;
}

// For bfloat16 inputs: softplus(x) = max(x, 0) + ln 2 * log2(1 + e), e = exp(-|x|), with the
// hardware log2: 6 instructions instead of 13. Measured on an H200 against double precision:
// within 1.8e-7 absolute for softplus from 1e-4 to 0.1, within 1e-4 relative from 0.001 up (the
// rounding of 1 + e), twenty times under the rounding of a bfloat16 input.
__device__ __forceinline__ float softplus_lg2(float x, float* sig = nullptr) {
    const float e = fast_ex2(-fabsf(x) * kLog2e);
    float l;
    asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(l) : "f"(1.f + e));
    if (sig != nullptr) *sig = __fdividef(x >= 0.f ? 1.f : e, 1.f + e);
    return fmaf(l, 0.6931471805599453f, fmaxf(x, 0.f));
}
// The softplus for inputs of type T: float32 keeps the polynomial.
template <typename T> __device__ __forceinline__ float softplus_t(float x, float* sig = nullptr) {
    if constexpr (sizeof(T) == 2) {
        return softplus_lg2(x, sig);
    } else {
        return softplus(x, sig);
    }
}

// Shared-memory rows of N floats (16-byte aligned when N is a multiple of 4, 8-byte when even)
// read and written with the widest vector accesses.
template <int N>
__device__ __forceinline__ void load_row(const float* src, float (&v)[N]) {
    if constexpr (N % 4 == 0) {
#pragma unroll
        for (int j = 0; j < N / 4; ++j) {
            const float4 q = reinterpret_cast<const float4*>(src)[j];
            v[4 * j] = q.x;
            v[4 * j + 1] = q.y;
            v[4 * j + 2] = q.z;
            v[4 * j + 3] = q.w;
        }
    } else if constexpr (N % 2 == 0) {
#pragma unroll
        for (int j = 0; j < N / 2; ++j) {
            const float2 q = reinterpret_cast<const float2*>(src)[j];
            v[2 * j] = q.x;
            v[2 * j + 1] = q.y;
        }
    } else {
#pragma unroll
        for (int j = 0; j < N; ++j) v[j] = src[j];
    }
}

template <int N>
__device__ __forceinline__ void store_row(float* dst, const float (&v)[N]) {
    if constexpr (N % 4 == 0) {
#pragma unroll
        for (int j = 0; j < N / 4; ++j) {
            reinterpret_cast<float4*>(dst)[j] = make_float4(v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3]);
        }
    } else if constexpr (N % 2 == 0) {
#pragma unroll
        for (int j = 0; j < N / 2; ++j) reinterpret_cast<float2*>(dst)[j] = make_float2(v[2 * j], v[2 * j + 1]);
    } else {
#pragma unroll
        for (int j = 0; j < N; ++j) dst[j] = v[j];
    }
}

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

// W 32-bit words (W = 1, 2 or 4) moved with one 4-, 8- or 16-byte access; they hold
// W * 4 / sizeof(T) elements of type T.
template <int W>
struct Words {
    static_assert(W == 1 || W == 2 || W == 4, "4-, 8- or 16-byte accesses");
    unsigned w[W];
};

template <int W>
__device__ __forceinline__ Words<W> ldg_words(const void* p) {
    Words<W> r;
    if constexpr (W == 4) {
        const uint4 v = __ldg(static_cast<const uint4*>(p));
        r.w[0] = v.x;
        r.w[1] = v.y;
        r.w[2] = v.z;
        r.w[3] = v.w;
    } else if constexpr (W == 2) {
        const uint2 v = __ldg(static_cast<const uint2*>(p));
        r.w[0] = v.x;
        r.w[1] = v.y;
    } else {
        r.w[0] = __ldg(static_cast<const unsigned*>(p));
    }
    return r;
}

template <int W>
__device__ __forceinline__ void st_words(void* p, const Words<W>& v) {
    if constexpr (W == 4) {
        *static_cast<uint4*>(p) = make_uint4(v.w[0], v.w[1], v.w[2], v.w[3]);
    } else if constexpr (W == 2) {
        *static_cast<uint2*>(p) = make_uint2(v.w[0], v.w[1]);
    } else {
        *static_cast<unsigned*>(p) = v.w[0];
    }
}

template <typename T, int W>
__device__ __forceinline__ void unpack(const Words<W>& v, float (&f)[W * 4 / sizeof(T)]) {
#pragma unroll
    for (int i = 0; i < W; ++i) {
        if constexpr (sizeof(T) == 4) {
            f[i] = __uint_as_float(v.w[i]);
        } else {
            f[2 * i] = __uint_as_float(v.w[i] << 16);
            f[2 * i + 1] = __uint_as_float(v.w[i] & 0xffff0000u);
        }
    }
}

template <typename T, int W>
__device__ __forceinline__ Words<W> pack(const float (&f)[W * 4 / sizeof(T)]) {
    Words<W> v;
#pragma unroll
    for (int i = 0; i < W; ++i) {
        if constexpr (sizeof(T) == 4) {
            v.w[i] = __float_as_uint(f[i]);
        } else {
            __nv_bfloat162 h = __floats2bfloat162_rn(f[2 * i], f[2 * i + 1]);
            v.w[i] = *reinterpret_cast<unsigned*>(&h);
        }
    }
    return v;
}

__device__ __forceinline__ bool aligned16(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

// Forward: column of channel c in a shared-memory row of float4 per-(step, channel) values,
// one spare float4 after every 8 channels, so that the staging threads' 16-byte stores, which
// start 8 channels apart (or 2, 4 for narrower channel vectors), fall in different banks.
// Rows of DT + DT / 8 float4: for DT = 32 a multiple of 8 plus 4, so the two steps that a
// quarter-warp stages land in different banks too. (The backward keeps rows of DT + 1: its
// dB/dC sums read one channel of 8 steps, and the spare columns would cost it a block per SM.)
__device__ __forceinline__ int pad8(int c) { return c + (c >> 3); }
template <int DT> constexpr int padded_row() { return DT + (DT + 7) / 8; }

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
    static constexpr int VEC = 16 / sizeof(T);                 // elements in a 16-byte B or C vector
    static constexpr int BRV = NS / VEC;                       // B or C vectors per step (masked past the state)
    static constexpr int SVEC = TS * BRV;                      // in a B or C tile
    static constexpr int SPT = (SVEC + THREADS - 1) / THREADS;
    // Channel tiles (u, delta, z, dy in; y, du, ddelta, dz out) move in vectors of CV elements:
    // 16 bytes wide, narrower (down to 4 bytes) where a tile has fewer than 16 bytes per
    // thread, so that every warp shares the staging work instead of a few threads doing it
    // while the rest of the block waits at the barrier.
    static constexpr int PER_THREAD = TS * DT / THREADS;
    static constexpr int CV_MIN = 4 / sizeof(T);
    static constexpr int CV = PER_THREAD >= VEC ? VEC : PER_THREAD >= CV_MIN ? PER_THREAD : CV_MIN;
    static constexpr int CW = CV * sizeof(T) / 4;              // 32-bit words in a channel vector
    static constexpr int CVEC = TS * DT / CV;                  // channel vectors in a tile
    static constexpr int CPT = (CVEC + THREADS - 1) / THREADS; // ... per thread
    static_assert(TS % NL == 0, "TS must be a multiple of NL");
    static_assert(NS % VEC == 0, "whole B and C vectors per step");
    static_assert(VEC % CV == 0 && DT % CV == 0 && DT % VEC == 0, "DT must be a multiple of the vector widths");
    static_assert(32 % NL == 0, "NL must divide the warp");
    static_assert(THREADS % 32 == 0 && THREADS <= 1024, "whole warps");
};

// Where a block sits: batch row, its channel range (inside one group) and its thread's
// channel / lane / state entries.
template <class K>
struct Place {
    int b, g, d0, dend, ch, lane, n0, d;
    bool channel_ok;
    __device__ explicit Place(const ScanParams& p) {
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

// True for a B/C staging function object with kRaw = true (it takes the loaded 16-byte vectors).
template <class F, class = void>
struct RawBC : std::false_type {};
template <class F>
struct RawBC<F, std::void_t<decltype(std::decay_t<F>::kRaw)>> : std::bool_constant<std::decay_t<F>::kRaw> {};

// Loads tiles of TS steps of the channel inputs (u, delta, z, dy) and of B and C into
// registers with 16-byte loads, or reports that the block must use the element path.
template <class K, int NCH>
struct TilePrefetch {
    using T = typename K::T;
    Words<K::CW> ch[NCH][K::CPT];
    Words<4> b[K::SPT];
    Words<4> c[K::SPT];

    // Steps from t0 up to tend (exclusive) are read; B or C may be nullptr (not needed).
    __device__ void load(const Sources<NCH> src, const void* Bp, const void* Cp,
                         const ScanParams& p, const Place<K>& at, int t0, int tend) {
        constexpr int RV = K::DT / K::CV;  // vectors per tile row
#pragma unroll
        for (int j = 0; j < K::CPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            const int t = i / RV;
            const bool ok = i < K::CVEC && t0 + t < tend;
            const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + (i % RV) * K::CV;
#pragma unroll
            for (int a = 0; a < NCH; ++a) {
                ch[a][j] = (ok && src.ptr[a] != nullptr) ? ldg_words<K::CW>(static_cast<const T*>(src.ptr[a]) + off)
                                                         : Words<K::CW>{};
            }
        }
#pragma unroll
        for (int j = 0; j < K::SPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            const int t = i / K::BRV;
            const int n = (i % K::BRV) * K::VEC;
            const bool ok = i < K::SVEC && n < p.state && t0 + t < tend;
            const size_t off = ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state + n;
            b[j] = (ok && Bp != nullptr) ? ldg_words<4>(static_cast<const T*>(Bp) + off) : Words<4>{};
            c[j] = (ok && Cp != nullptr) ? ldg_words<4>(static_cast<const T*>(Cp) + off) : Words<4>{};
        }
    }

    // Hands every element of the prefetched tile to put(t, c, values[NCH], valid) and
    // putBC(t, n, b, c), or B and C as loaded to putBC.raw(t, n, b, c) when PutBC::kRaw; steps
    // at or past tend are not valid.
    template <class Put, class PutBC>
    __device__ void unpack_to(const ScanParams& p, int t0, int tend, Put&& put, PutBC&& putBC) const {
        constexpr int RV = K::DT / K::CV;
#pragma unroll
        for (int j = 0; j < K::CPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            if (i < K::CVEC) {
                const int t = i / RV;
                const int c = (i % RV) * K::CV;
                float f[NCH][K::CV];
#pragma unroll
                for (int a = 0; a < NCH; ++a) unpack<T, K::CW>(ch[a][j], f[a]);
                const bool valid = t0 + t < tend;
#pragma unroll
                for (int e = 0; e < K::CV; ++e) {
                    float v[NCH];
#pragma unroll
                    for (int a = 0; a < NCH; ++a) v[a] = f[a][e];
                    put(t, c + e, v, valid);
                }
            }
        }
#pragma unroll
        for (int j = 0; j < K::SPT; ++j) {
            const int i = threadIdx.x + j * K::THREADS;
            const int n = (i % K::BRV) * K::VEC;
            if (i < K::SVEC && n < p.state) {  // the entries past the state stay zero
                const int t = i / K::BRV;
                if constexpr (RawBC<PutBC>::value) {
                    putBC.raw(t, n, b[j], c[j]);
                } else {
                    float fb[K::VEC], fc[K::VEC];
                    unpack<T, 4>(b[j], fb);
                    unpack<T, 4>(c[j], fc);
#pragma unroll
                    for (int e = 0; e < K::VEC; ++e) putBC(t, n + e, fb[e], fc[e]);
                }
            }
        }
    }
};

// The element path for blocks whose tiles are not 16-byte aligned: reads global memory
// directly, one element at a time.
template <class K, int NCH, class Put, class PutBC>
__device__ void load_elementwise(const Sources<NCH> src, const void* Bp, const void* Cp, const ScanParams& p,
                                 const Place<K>& at, int t0, int tend, Put&& put, PutBC&& putBC) {
    using T = typename K::T;
    for (int i = threadIdx.x; i < K::TS * K::DT; i += K::THREADS) {
        const int t = i / K::DT;
        const int c = i % K::DT;
        const bool valid = t0 + t < tend && at.d0 + c < at.dend;
        const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c;
        float v[NCH];
#pragma unroll
        for (int a = 0; a < NCH; ++a) v[a] = (valid && src.ptr[a] != nullptr) ? load<T>(src.ptr[a], off) : 0.f;
        put(t, c, v, valid);
    }
    for (int i = threadIdx.x; i < K::TS * p.state; i += K::THREADS) {
        const int t = i / p.state;
        const int n = i % p.state;
        const bool valid = t0 + t < tend;
        const size_t off = ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state + n;
        putBC(t, n, (valid && Bp != nullptr) ? load<T>(Bp, off) : 0.f, (valid && Cp != nullptr) ? load<T>(Cp, off) : 0.f);
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

// Stores N (TS, DT) float tiles from shared memory (rows padded to DT + 1) to (batch, length,
// channels) tensors (nullptr: skipped), skipping steps at or past tend and invalid channels.
template <class K, int N>
__device__ void store_tiles(void* const (&dst)[N], const float (*const (&tile)[N])[K::DT + 1], const ScanParams& p,
                            const Place<K>& at, int t0, int tend, bool vec) {
    using T = typename K::T;
    if (vec) {
        constexpr int RV = K::DT / K::CV;
        for (int i = threadIdx.x; i < K::CVEC; i += K::THREADS) {
            const int t = i / RV;
            const int c = (i % RV) * K::CV;
            if (t0 + t < tend) {
                const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c;
#pragma unroll
                for (int a = 0; a < N; ++a) {
                    if (dst[a] == nullptr) continue;
                    float f[K::CV];
#pragma unroll
                    for (int e = 0; e < K::CV; ++e) f[e] = tile[a][t][c + e];
                    st_words<K::CW>(static_cast<T*>(dst[a]) + off, pack<T, K::CW>(f));
                }
            }
        }
    } else {
        for (int i = threadIdx.x; i < K::TS * K::DT; i += K::THREADS) {
            const int t = i / K::DT;
            const int c = i % K::DT;
            if (t0 + t < tend && at.d0 + c < at.dend) {
                const size_t off = (static_cast<size_t>(at.b) * p.length + t0 + t) * p.channels + at.d0 + c;
#pragma unroll
                for (int a = 0; a < N; ++a) {
                    if (dst[a] != nullptr) store<T>(dst[a], off, tile[a][t][c]);
                }
            }
        }
    }
}

// True when this thread's NPT state entries in a (..., state) tensor can move as one vector:
// four entries, all inside the state, 8- or 16-byte aligned.
template <class K>
__device__ __forceinline__ bool states_vector(const ScanParams& p, const Place<K>& at, const void* ptr) {
    return K::NPT == 4 && p.state % 4 == 0 && at.n0 + 4 <= p.state
        && (reinterpret_cast<uintptr_t>(ptr) & (4 * sizeof(typename K::T) - 1)) == 0;
}

// Stores this thread's state entries h at element offset off of a (..., state) tensor: the first
// `valid` of them, as one vector when vec (states_vector) holds.
template <class K>
__device__ __forceinline__ void store_states(void* ptr, size_t off, const float (&h)[K::NPT], int valid, bool vec) {
    using T = typename K::T;
    if constexpr (K::NPT == 4) {
        if (vec) {
            if constexpr (sizeof(T) == 4) {
                *reinterpret_cast<float4*>(static_cast<float*>(ptr) + off) = make_float4(h[0], h[1], h[2], h[3]);
            } else {
                const float f[4] = {h[0], h[1], h[2], h[3]};
                const Words<2> w = pack<T, 2>(f);
                st_words<2>(static_cast<T*>(ptr) + off, w);
            }
            return;
        }
    }
#pragma unroll
    for (int k = 0; k < K::NPT; ++k) {
        if (k < valid) store<T>(ptr, off + k, h[k]);
    }
}

// Index helpers for the per-chunk workspaces.
__device__ __forceinline__ size_t chunk_slot(const ScanParams& p, int b, int k) {
    return static_cast<size_t>(b) * p.chunks + k;
}

// ------------------------------------------------------------------------------------
// Forward
// ------------------------------------------------------------------------------------

template <class K, bool SUMMARY>
struct FwdSmem {
    // Two buffers: the next tile is staged while the current one is scanned, one barrier per
    // tile. Per (step, channel), computed once when the tile is staged: (delta', delta' * u,
    // gate, D * u * gate) with gate = silu(z) (1 without z), so that y = (sum over the state
    // of C * h) * gate + D * u * gate. Rows padded against bank conflicts.
    float4 pre[2][K::TS][padded_row<K::DT>()];
    // B and C: bfloat16 for bfloat16 inputs as SSM_FWD_BC16 says, else float.
    static constexpr bool kBf16 = sizeof(typename K::T) == 2 && !SUMMARY;
    using BT = std::conditional_t<kBf16 && (SSM_FWD_BC16 & 1), __nv_bfloat16, float>;
    using CT = std::conditional_t<kBf16 && (SSM_FWD_BC16 & 2), __nv_bfloat16, float>;
    __align__(16) BT b[2][K::TS][K::NS];  // zero past the state size
    __align__(16) CT c[2][K::TS][K::NS];
    float bias[K::DT];
    float dskip[K::DT];
};

// Writes the forward's B and C tiles: element by element, or (kRaw: shared memory holds the
// input type) the loaded 16-byte vectors as they are.
template <class K, bool SUMMARY>
struct FwdPutBC {
    using Smem = FwdSmem<K, SUMMARY>;
    static constexpr bool kRaw = sizeof(typename Smem::BT) == sizeof(typename K::T)
        && sizeof(typename Smem::CT) == sizeof(typename K::T);
    Smem& s;
    const int& stage;
    __device__ void operator()(int t, int n, float bv, float cv) const {
        s.b[stage][t][n] = typename Smem::BT(bv);  // exact: the value came from the input type
        s.c[stage][t][n] = typename Smem::CT(cv);
    }
    __device__ void raw(int t, int n, const Words<4>& bv, const Words<4>& cv) const {
        st_words<4>(&s.b[stage][t][n], bv);
        st_words<4>(&s.c[stage][t][n], cv);
    }
};

// NPT consecutive B or C values of a forward tile row as floats.
template <int NPT>
__device__ __forceinline__ void load_bc(const float* src, float (&v)[NPT]) {
    load_row<NPT>(src, v);
}
template <int NPT>
__device__ __forceinline__ void load_bc(const __nv_bfloat16* src, float (&v)[NPT]) {
    static_assert(NPT == 1 || NPT == 2 || NPT % 4 == 0, "bfloat16 rows: 2-, 4- or 8-byte loads");
    if constexpr (NPT == 1) {
        v[0] = __bfloat162float(src[0]);
    } else if constexpr (NPT == 2) {
        const unsigned w = *reinterpret_cast<const unsigned*>(src);
        v[0] = __uint_as_float(w << 16);
        v[1] = __uint_as_float(w & 0xffff0000u);
    } else {
#pragma unroll
        for (int j = 0; j < NPT / 4; ++j) {
            const uint2 w = reinterpret_cast<const uint2*>(src)[j];
            v[4 * j] = __uint_as_float(w.x << 16);
            v[4 * j + 1] = __uint_as_float(w.x & 0xffff0000u);
            v[4 * j + 2] = __uint_as_float(w.y << 16);
            v[4 * j + 3] = __uint_as_float(w.y & 0xffff0000u);
        }
    }
}

// SUMMARY (launched for chunks 0 .. chunks-2): the chunk's end state from a zero start and
// its delta sum, nothing else.
// GENERIC_CKPT: checkpoints at any interval (a test every step); otherwise the interval is
// a multiple of TS / 2 and the states before steps 0 and TS / 2 of each tile are kept.
template <class K, bool SUMMARY, bool GENERIC_CKPT>
__device__ __forceinline__ void scan_forward(const ScanParams& p, FwdSmem<K, SUMMARY>& s) {
    using T = typename K::T;
    static_assert(K::TS % 2 == 0, "two checkpoint slots per tile");
    const Place<K> at(p);
    const int chunk = blockIdx.z;
    const int cs = chunk * p.chunk_len;
    const int ce = min(p.length, cs + p.chunk_len);
    const bool softplus_on = p.flags & kSoftplus;
    const bool has_z = !SUMMARY && (p.flags & kHasZ);
    if constexpr (SUMMARY) let_dependents_launch();

    for (int i = threadIdx.x; i < K::DT; i += K::THREADS) {
        const bool ok = at.d0 + i < at.dend;
        s.bias[i] = (ok && (p.flags & kHasBias)) ? load<T>(p.delta_bias, at.d0 + i) : 0.f;
        s.dskip[i] = (ok && (p.flags & kHasD)) ? load<T>(p.D, at.d0 + i) : 0.f;
    }
    for (int i = threadIdx.x; i < 2 * K::TS * K::NS; i += K::THREADS) {
        (&s.b[0][0][0])[i] = typename FwdSmem<K, SUMMARY>::BT(0.f);
        (&s.c[0][0][0])[i] = typename FwdSmem<K, SUMMARY>::CT(0.f);
    }
    if constexpr (!SUMMARY) wait_for_predecessor();  // the combined chunk starts

    float a2[K::NPT], h[K::NPT];
#pragma unroll
    for (int k = 0; k < K::NPT; ++k) {
        const int n = at.n0 + k;
        const bool ok = at.channel_ok && n < p.state;
        a2[k] = ok ? load<T>(p.A, static_cast<size_t>(at.d) * p.state + n) * kLog2e : 0.f;
        float start = 0.f;
        if (!SUMMARY && ok) {
            if (chunk > 0) {
                start = p.chunk_start[(chunk_slot(p, at.b, chunk) * p.channels + at.d) * p.state + n];
            } else if (p.flags & kHasH0) {
                start = load<T>(p.h0, (static_cast<size_t>(at.b) * p.channels + at.d) * p.state + n);
            }
        }
        h[k] = start;
    }

    const Sources<3> srcs{{p.u, p.delta, has_z ? p.z : nullptr}};
    const void* const Cp = SUMMARY ? nullptr : p.C;
    const void* const ptrs[] = {p.u, p.delta, p.B, Cp, has_z ? p.z : nullptr};
    const bool vec = vector_path<K>(p, at, ptrs);

    int stage = 0;  // the buffer put and putBC write
    auto put = [&](int t, int c, const float (&v)[3], bool valid) {
        float dt = v[1] + s.bias[c];
        if (softplus_on) dt = softplus_t<T>(dt);
        if (!valid) dt = 0.f;
        if constexpr (SUMMARY) {
            *reinterpret_cast<float2*>(&s.pre[stage][t][pad8(c)]) = make_float2(dt, dt * v[0]);
        } else {
            const float gate = has_z ? v[2] * sigmoid(v[2]) : 1.f;
            s.pre[stage][t][pad8(c)] = make_float4(dt, dt * v[0], gate, s.dskip[c] * v[0] * gate);
        }
    };
    const FwdPutBC<K, SUMMARY> putBC{s, stage};

    const bool ckpt = !SUMMARY && (p.flags & kHasCheckpoints) != 0;
    const int nck = (p.length + p.interval - 1) / p.interval;
    // The next checkpoint at or after the chunk start, and where this thread's entries of it go.
    int next_ckpt = (cs + p.interval - 1) / p.interval * p.interval;
    size_t ckpt_off = ((static_cast<size_t>(at.b) * nck + next_ckpt / p.interval) * p.channels + at.d) * p.state + at.n0;
    const size_t ckpt_stride = static_cast<size_t>(p.channels) * p.state;
    const bool state_vec = states_vector<K>(p, at, p.checkpoints) && states_vector<K>(p, at, p.last_state);
    float dsum = 0.f;  // SUMMARY only

    TilePrefetch<K, 3> pre;
    // Stages the tile at t0 into buffer `stage` and, on the vector path, starts loading the next.
    auto stage_tile = [&](int t0) {
        if (vec) {
            pre.unpack_to(p, t0, ce, put, putBC);
            if (t0 + K::TS < ce) pre.load(srcs, p.B, Cp, p, at, t0 + K::TS, ce);
        } else {
            load_elementwise<K, 3>(srcs, p.B, Cp, p, at, t0, ce, put, putBC);
        }
    };
    if (vec) pre.load(srcs, p.B, Cp, p, at, cs, ce);
    __syncthreads();  // bias, D and the zeroed B / C buffers are written
    stage_tile(cs);
    // y of this thread's channel at step cs + lane, advanced NL steps per group of steps
    // (dereferenced only for valid steps and channels).
    T* yp = static_cast<T*>(p.y) + (static_cast<size_t>(at.b) * p.length + cs + at.lane) * p.channels + at.d;
    const size_t ystride = static_cast<size_t>(K::NL) * p.channels;
    for (int t0 = cs, buf = 0; t0 < ce; t0 += K::TS, buf ^= 1) {
        // The tile at t0 is staged in buf, and every thread is done with the other buffer:
        // stage the next tile there while this one is scanned.
        __syncthreads();
        if (t0 + K::TS < ce) {
            stage = buf ^ 1;
            stage_tile(t0 + K::TS);
        }

        float snap[2][K::NPT];
#pragma unroll
        for (int grp = 0; grp < K::TS / K::NL; ++grp) {
            float part[K::NL];
#pragma unroll
            for (int j = 0; j < K::NL; ++j) {
                const int i = grp * K::NL + j;
                if constexpr (!SUMMARY && GENERIC_CKPT) {
                    if (ckpt && t0 + i == next_ckpt && next_ckpt < ce) {
                        if (at.channel_ok) store_states<K>(p.checkpoints, ckpt_off, h, p.state - at.n0, state_vec);
                        next_ckpt += p.interval;
                        ckpt_off += ckpt_stride;
                    }
                }
                if constexpr (!SUMMARY && !GENERIC_CKPT) {
                    if (i == 0 || i == K::TS / 2) {
#pragma unroll
                        for (int k = 0; k < K::NPT; ++k) snap[i == 0 ? 0 : 1][k] = h[k];
                    }
                }
                const float2 dd = *reinterpret_cast<const float2*>(&s.pre[buf][i][pad8(at.ch)]);
                float bv[K::NPT], cv[K::NPT];
                load_bc<K::NPT>(&s.b[buf][i][at.n0], bv);
                if constexpr (!SUMMARY) load_bc<K::NPT>(&s.c[buf][i][at.n0], cv);
                float acc = 0.f;
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    const float a = fast_ex2(dd.x * a2[k]);
                    h[k] = fmaf(a, h[k], dd.y * bv[k]);
                    if constexpr (!SUMMARY) acc = fmaf(cv[k], h[k], acc);
                }
                if constexpr (SUMMARY) {
                    dsum += dd.x;
                } else {
                    part[j] = acc;
                }
            }
            if constexpr (!SUMMARY) {
                // The sum over the state of C * h for step grp * NL + lane, finished into y.
                reduce_scatter<K::NL, K::NL>(part, at.lane);
                const int t = grp * K::NL + at.lane;
                const float2 gs = *reinterpret_cast<const float2*>(&s.pre[buf][t][pad8(at.ch)].z);
                if (at.channel_ok && t0 + t < ce) *yp = from_float<T>(fmaf(part[0], gs.x, gs.y));
                yp += ystride;
            }
        }
        if constexpr (SUMMARY) continue;
        if constexpr (!GENERIC_CKPT) {
            // The interval is a multiple of TS / 2 and tiles start at multiples of TS: the
            // checkpoints fall on the two snapshots.
            if (ckpt) {
#pragma unroll
                for (int half = 0; half < 2; ++half) {
                    const int t = t0 + half * (K::TS / 2);
                    if (t == next_ckpt && t < ce) {
                        if (at.channel_ok) store_states<K>(p.checkpoints, ckpt_off, snap[half], p.state - at.n0, state_vec);
                        next_ckpt += p.interval;
                        ckpt_off += ckpt_stride;
                    }
                }
            }
        }
    }

    if (!at.channel_ok) return;
    if constexpr (SUMMARY) {
        const size_t slot = chunk_slot(p, at.b, chunk);
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            if (at.n0 + k < p.state) p.chunk_state[(slot * p.channels + at.d) * p.state + at.n0 + k] = h[k];
        }
        if (at.lane == 0) p.chunk_dsum[slot * p.channels + at.d] = dsum;
    } else if (ce == p.length) {
        store_states<K>(p.last_state, (static_cast<size_t>(at.b) * p.channels + at.d) * p.state + at.n0, h,
                        p.state - at.n0, state_vec);
    }
}

// ------------------------------------------------------------------------------------
// Forward, one thread per channel (few rows cut into chunks; state 16)
// ------------------------------------------------------------------------------------
// A thread holds the 16 state entries of one channel, so the per-(step, channel) work (softplus,
// the gate, D * u, the sum over the state for y) is done once for 16 entries, in registers, and
// y needs no cross-lane sum. Every warp works alone (no block barrier): per tile of TS steps it
// copies its 32 channels' delta, u and z to shared memory with cp.async (a tile ahead), and B and
// C widened to floats (one 16-byte load per lane, a tile ahead), which its lanes then read with
// broadcast loads. Each tile runs in two phases: first every step's (delta', delta' * u, gate,
// D * u), whose exponentials and logarithms are independent of each other, then the recurrence,
// whose only chain is one multiply-add per step and entry, and y = (D * u + C h) * gate. y leaves
// through shared memory in 16-byte stores. Needs state 16, channels per group a multiple of 32,
// 16-byte aligned tensors and a checkpoint interval that is a multiple of TS (checkpoints fall on
// tile starts). With one warp per 32 channels it fills the GPU only when the rows are cut into
// many chunks, which is where LaunchPolicy takes it; there both of its passes are held by the
// special-function unit (16 decays and the per-step softplus and gate) together with the issue of
// the instructions around them. The summary pass can keep every step's delta' (float32) for the
// main pass, which then copies it instead of delta and skips the softplus (fwdk).

// 2^x for x in [-126, 126] on the FMA pipe: 2^j * p(f), j = round(x), f = x - j in [-1/2, 1/2],
// p a degree-5 fit of 2^f (relative error 2.3e-7 in float32, as ex2.approx).
__device__ __forceinline__ float poly_ex2(float x) {
    x = fminf(fmaxf(x, -126.f), 126.f);
    const float shifter = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
    const float t = x + shifter;
    const float f = x - (t - shifter);
    float q = fmaf(1.3266970636323094e-3f, f, 9.675459936261177e-3f);
    q = fmaf(q, f, 5.550742521882057e-2f);
    q = fmaf(q, f, 2.4022121727466583e-1f);
    q = fmaf(q, f, 6.931469440460205e-1f);
    q = fmaf(q, f, 1.0000001192092896f);
    return __int_as_float(__float_as_int(q) + (__float_as_int(t) << 23));
}

// softplus on the FMA pipe alone (the one-thread-per-channel forward is bound by the special-
// function unit): max(x, 0) + log1p(e), e = 2^(-|x| log2 e) from poly_ex2, log1p(e) = e q(e) with
// q a degree-8 fit of log1p(e) / e on [0, 1] (relative error 1.6e-7 in float32).
__device__ __forceinline__ float softplus_fma(float x) {
    const float e = poly_ex2(-fabsf(x) * kLog2e);
    float q = fmaf(5.253457929939032e-3f, e, -2.958850748836994e-2f);
    q = fmaf(q, e, 7.836166769266129e-2f);
    q = fmaf(q, e, -1.3674770295619965e-1f);
    q = fmaf(q, e, 1.9111430644989014e-1f);
    q = fmaf(q, e, -2.4844369292259216e-1f);
    q = fmaf(q, e, 3.3319270610809326e-1f);
    q = fmaf(q, e, -4.9999502301216125e-1f);
    q = fmaf(q, e, 1.f);
    return fmaf(q, e, fmaxf(x, 0.f));
}

// delta' = softplus(delta + bias) (or delta + bias) in the channel-per-thread forward: float32 with
// the softplus on the FMA pipe; bfloat16 keeps the hardware lg2 (2 special-function operations in
// 6 instructions: measured faster here than 22 FMA-pipe instructions).
template <typename T>
__device__ __forceinline__ float delta_prime(float x, bool softplus_on) {
    if constexpr (sizeof(T) == 4) {
        return softplus_on ? softplus_fma(x) : x;
    } else {
        return softplus_on ? softplus_lg2(x) : x;
    }
}

// cp.async of 16 bytes into shared memory; zero-filled, reading nothing, when !valid.
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(valid ? 16 : 0) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }

template <typename T, int W, int TS>
struct CptConfig {
    using Type = T;
    static constexpr int NS = 16;                        // state entries per channel
    static constexpr int WARPS = W;
    static constexpr int DT = 32 * W;                    // channels (threads) per block
    static constexpr int STEPS = TS;                     // steps per tile
    static constexpr int CV = 16 / sizeof(T);            // channels per 16-byte vector
    static constexpr int ROW_VECS = 32 / CV;             // vectors per step of a warp's 32 channels
    static constexpr int COPIES = TS * ROW_VECS / 32;    // channel-tile vectors per lane and tensor
    static constexpr int BC_VECS = sizeof(T) / 2;        // 16-byte loads for 8 B or C values
    static_assert(TS * 4 == 32, "one lane per (step, quarter of a B/C row) of a tile");
    static_assert(COPIES >= 1 && TS * ROW_VECS % 32 == 0, "whole vectors per lane");
};

template <class K>
struct CptKeptTile {
    __align__(16) float dt[2][K::STEPS][32];  // the kept delta' of the warp's channels, two tiles
};
struct CptNoKeptTile {};

template <class K, bool KEPT>
struct CptWarpSmem : std::conditional_t<KEPT, CptKeptTile<K>, CptNoKeptTile> {
    using T = typename K::Type;
    __align__(16) T in[2][3][K::STEPS][32];   // delta, u, z of the warp's channels, two tiles
    __align__(16) float bc[2][K::STEPS][32];  // B (entries 0-15) then C (16-31) per step, two tiles
    __align__(16) T y[K::STEPS][32];
};

template <class K, bool KEPT>
struct CptSmem {
    CptWarpSmem<K, KEPT> w[K::WARPS];
};

// Stores 16 state entries at element offset off of a (..., 16) tensor, 16-byte aligned.
template <typename T>
__device__ __forceinline__ void store_states16(void* ptr, size_t off, const float (&h)[16]) {
    T* dst = static_cast<T*>(ptr) + off;
#pragma unroll
    for (int j = 0; j < 16 * static_cast<int>(sizeof(T)) / 16; ++j) {
        constexpr int E = 16 / sizeof(T);  // entries per 16-byte vector
        float f[E];
#pragma unroll
        for (int e = 0; e < E; ++e) f[e] = h[E * j + e];
        st_words<4>(dst + E * j, pack<T, 4>(f));
    }
}

// delta' of the steps [cs, ce) of the warp's 32 channels (from dw) into its kept rows: a piece of
// the last chunk, which has no summary. A lane moves 16 bytes of a step (8 bfloat16 or 4 float32
// channels), a warp 4 or 8 steps at once, four such loads in flight.
template <typename T>
__device__ void keep_delta_prime(const ScanParams& p, float* dt_row, int b, int dw, int lane, int cs, int ce,
                                 bool softplus_on) {
    constexpr int CV = 16 / sizeof(T);  // channels per vector
    constexpr int LPS = 32 / CV;        // lanes per step
    constexpr int SPW = 32 / LPS;       // steps per warp load
    constexpr int DEPTH = 4;
    const int c = (lane % LPS) * CV;
    float bias[CV];
#pragma unroll
    for (int e = 0; e < CV; ++e) bias[e] = (p.flags & kHasBias) ? load<T>(p.delta_bias, dw + c + e) : 0.f;
    const T* src = static_cast<const T*>(p.delta) + static_cast<size_t>(b) * p.length * p.channels + dw + c;
    for (int t0 = cs + lane / LPS; t0 < ce; t0 += SPW * DEPTH) {
        Words<4> v[DEPTH];
#pragma unroll
        for (int j = 0; j < DEPTH; ++j) {
            const int t = t0 + j * SPW;
            if (t < ce) v[j] = ldg_words<4>(src + static_cast<size_t>(t) * p.channels);
        }
#pragma unroll
        for (int j = 0; j < DEPTH; ++j) {
            const int t = t0 + j * SPW;
            if (t < ce) {
                float f[CV];
                unpack<T, 4>(v[j], f);
                float4* dst = reinterpret_cast<float4*>(dt_row + static_cast<size_t>(t) * 32 + c);
#pragma unroll
                for (int q = 0; q < CV / 4; ++q) {
                    dst[q] = make_float4(delta_prime<T>(f[4 * q] + bias[4 * q], softplus_on),
                                         delta_prime<T>(f[4 * q + 1] + bias[4 * q + 1], softplus_on),
                                         delta_prime<T>(f[4 * q + 2] + bias[4 * q + 2], softplus_on),
                                         delta_prime<T>(f[4 * q + 3] + bias[4 * q + 3], softplus_on));
                }
            }
        }
    }
}

// The first step of chunk k of the channel-per-thread forward: chunks of chunk_len steps (the last
// the remainder), or with end chunks (first_len > 0) chunk 0 of first_len steps, then chunks of
// chunk_len steps, the first long_chunks of them one tile longer, the last chunk the remainder.
template <int TS>
__device__ __forceinline__ int cpt_chunk_start(const ScanParams& p, int k) {
    if (k == 0) return 0;
    if (p.first_len == 0) return k * p.chunk_len;
    return p.first_len + (k - 1) * p.chunk_len + TS * min(k - 1, p.long_chunks);
}

// Chunk `chunk` of the channel-per-thread forward. SUMMARY: its summary (end state from a zero start
// and delta sum); with p.scratch it also keeps delta' for the main pass, its own and a piece of the
// last chunk's, which has no summary: the summarised chunks share the last chunk's steps in whole
// tiles (with end chunks that chunk is as long as a launch). KEPT: the main pass reading the kept
// delta' (its copy replaces delta's, and the softplus is gone: 2 of 20 special-function operations
// per step for bfloat16, 22 FMA-pipe instructions for float32). Kept rows are in the main pass's
// tile order (a tile of a warp is TS * 32 consecutive floats), so both passes move them in whole
// rows. The main pass of chunk 0 with end chunks runs in the summary launch and leaves its end
// state as chunk 0's summary, with a delta sum of 0 (the combine starts from it).
template <class K, bool SUMMARY, bool KEPT>
__device__ __forceinline__ void scan_forward_cpt(const ScanParams& p, CptSmem<K, KEPT>& smem, int chunk) {
    static_assert(!(SUMMARY && KEPT), "the summary pass keeps delta', the main pass reads it");
    using T = typename K::Type;
    constexpr int NS = K::NS;
    constexpr int TS = K::STEPS;
    const int cpg = p.channels / p.groups;
    const int tiles_per_group = (cpg + K::DT - 1) / K::DT;
    const int b = blockIdx.y;
    const int g = blockIdx.x / tiles_per_group;
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int dw = g * cpg + (blockIdx.x % tiles_per_group) * K::DT + warp * 32;  // the warp's first channel
    if (dw >= g * cpg + cpg) return;  // a warp past the group (no block barriers follow)
    CptWarpSmem<K, KEPT>& s = smem.w[warp];
    const int d = dw + lane;
    float* const dt_row = (SUMMARY || KEPT) && p.scratch != nullptr
        ? p.scratch + (static_cast<size_t>(b) * (p.channels / 32) + dw / 32) * p.length * 32 : nullptr;
    const bool keep = SUMMARY && dt_row != nullptr;
    const int cs = cpt_chunk_start<TS>(p, chunk);
    const int ce = chunk + 1 == p.chunks ? p.length : cpt_chunk_start<TS>(p, chunk + 1);
    const bool softplus_on = p.flags & kSoftplus;
    const bool has_z = !SUMMARY && (p.flags & kHasZ);

    const float bias = (p.flags & kHasBias) ? load<T>(p.delta_bias, d) : 0.f;
    const float dskip = (!SUMMARY && (p.flags & kHasD)) ? load<T>(p.D, d) : 0.f;
    float a2[NS], h[NS];
#pragma unroll
    for (int k = 0; k < NS; ++k) {
        a2[k] = load<T>(p.A, static_cast<size_t>(d) * NS + k) * kLog2e;
        h[k] = 0.f;
    }

    // The 16-byte vectors of a tile of (b, length, channels) tensors that this lane moves: vector
    // v = lane + 32 j holds step v / ROW_VECS, channels (v % ROW_VECS) * CV. Calls
    // at(step in the tile, channel in the warp, element offset, step inside the chunk). The offsets
    // in the chunk's first tile are computed once (a step past the chunk clamped to its last step,
    // so that they stay inside the tensor); tile t0 adds (t0 - cs) * channels, and a step past the
    // chunk keeps its first-tile offset.
    size_t first_off[K::COPIES];
#pragma unroll
    for (int j = 0; j < K::COPIES; ++j) {
        const int v = lane + 32 * j;
        const int st = v / K::ROW_VECS;
        const int c = (v % K::ROW_VECS) * K::CV;
        first_off[j] = (static_cast<size_t>(b) * p.length + min(cs + st, ce - 1)) * p.channels + dw + c;
    }
    auto for_tile_vectors = [&](int t0, auto&& at) {
        const size_t shift = static_cast<size_t>(t0 - cs) * static_cast<unsigned>(p.channels);
#pragma unroll
        for (int j = 0; j < K::COPIES; ++j) {
            const int v = lane + 32 * j;
            const int st = v / K::ROW_VECS;
            const int c = (v % K::ROW_VECS) * K::CV;
            const bool ok = t0 + st < ce;
            at(st, c, ok ? first_off[j] + shift : first_off[j], ok);
        }
    };
    const void* const ins[3] = {KEPT ? nullptr : p.delta, p.u, has_z ? p.z : nullptr};
    // A tile's copies: the inputs, then (KEPT) the kept delta', which the summary launch writes.
    auto issue_inputs = [&](int t0, int buf) {
        for_tile_vectors(t0, [&](int st, int c, size_t off, bool ok) {
#pragma unroll
            for (int a = 0; a < 3; ++a) {
                if (ins[a] != nullptr) cp_async16(&s.in[buf][a][st][c], static_cast<const T*>(ins[a]) + off, ok);
            }
        });
    };
    auto issue_kept = [&](int t0, int buf) {
        if constexpr (KEPT) {  // the tile's TS * 32 floats, 4 per vector; a step past the chunk reads 0
#pragma unroll
            for (int j = 0; j < TS * 8 / 32; ++j) {
                const int v = lane + 32 * j;
                const bool ok = t0 + v / 8 < ce;
                cp_async16(&s.dt[buf][v / 8][(v % 8) * 4], dt_row + (ok ? static_cast<size_t>(t0) * 32 + 4 * v : 0), ok);
            }
        }
        cp_async_commit();
    };
    // B/C: lane = 4 * step + quarter; quarters 0, 1 are B entries 0-7, 8-15; 2, 3 the same of C.
    const int bc_step = lane / 4;
    const int bc_quarter = lane % 4;
    const bool bc_load = !SUMMARY || bc_quarter < 2;
    const int bc_row = p.groups * NS;  // elements per step of B and C
    const T* const bc_src = static_cast<const T*>(bc_quarter < 2 ? p.B : p.C) + (static_cast<size_t>(b) * p.length + cs)
        * bc_row + g * NS + (bc_quarter % 2) * 8;  // the chunk's first step
    Words<4> bc_raw[K::BC_VECS];
    auto load_bc = [&](int t0) {
        const T* src = bc_src + static_cast<size_t>(min(t0 + bc_step, ce - 1) - cs) * static_cast<unsigned>(bc_row);
#pragma unroll
        for (int i = 0; i < K::BC_VECS; ++i) bc_raw[i] = bc_load ? ldg_words<4>(src + i * K::CV) : Words<4>{};
    };
    auto stage_bc = [&](int buf) {
        float f[8];
        if constexpr (sizeof(T) == 4) {
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                float q[4];
                unpack<T, 4>(bc_raw[i], q);
#pragma unroll
                for (int e = 0; e < 4; ++e) f[4 * i + e] = q[e];
            }
        } else {
            unpack<T, 4>(bc_raw[0], f);
        }
        float* dst = &s.bc[buf][bc_step][bc_quarter * 8];
        reinterpret_cast<float4*>(dst)[0] = make_float4(f[0], f[1], f[2], f[3]);
        reinterpret_cast<float4*>(dst)[1] = make_float4(f[4], f[5], f[6], f[7]);
    };

    const bool ckpt = !SUMMARY && (p.flags & kHasCheckpoints) != 0;
    const int nck = (p.length + p.interval - 1) / p.interval;
    int next_ckpt = (cs + p.interval - 1) / p.interval * p.interval;
    const size_t state_off = static_cast<size_t>(d) * NS;
    size_t ckpt_off = (static_cast<size_t>(b) * nck + next_ckpt / p.interval) * p.channels * NS + state_off;
    const size_t ckpt_stride = static_cast<size_t>(p.channels) * NS;
    float dsum = 0.f;

    issue_inputs(cs, 0);
    load_bc(cs);
    if constexpr (!SUMMARY) {
        // the combined chunk starts, and the kept delta' (copied only after this: a dependent launch
        // can start while the summary launch still runs); the first tile's input loads are in flight
        wait_for_predecessor();
#pragma unroll
        for (int k = 0; k < NS; ++k) {
            if (chunk > 0) {
                h[k] = p.chunk_start[(chunk_slot(p, b, chunk) * p.channels + d) * NS + k];
            } else if (p.flags & kHasH0) {
                h[k] = load<T>(p.h0, (static_cast<size_t>(b) * p.channels + d) * NS + k);
            }
        }
    }
    issue_kept(cs, 0);
    for (int t0 = cs, buf = 0; t0 < ce; t0 += TS, buf ^= 1) {
        __syncwarp();  // every lane is done with the buffers this tile writes
        stage_bc(buf);
        if (t0 + TS < ce) {
            issue_inputs(t0 + TS, buf ^ 1);
            issue_kept(t0 + TS, buf ^ 1);
            load_bc(t0 + TS);
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncwarp();  // this tile's inputs and B/C rows are in shared memory

        // The tile in phases of PH steps: the kept-delta' main pass per half tile (fewer registers
        // for the phase's arrays: 0.5% faster for bfloat16, 1% for float32, version 48), the others
        // per tile (per half tile measured 0.5 to 2.5% slower there, versions 44 and 48).
        constexpr int PH = KEPT ? TS / 2 : TS;
#pragma unroll
        for (int i0 = 0; i0 < TS; i0 += PH) {
            // Phase 1: the per-step values of this thread's channel.
            float dt[PH], dtu[PH], gate[PH], du[PH];
#pragma unroll
            for (int j = 0; j < PH; ++j) {
                const int i = i0 + j;
                if constexpr (KEPT) {
                    dt[j] = s.dt[buf][i][lane];  // 0 past the chunk
                } else {
                    dt[j] = delta_prime<T>(to_float(s.in[buf][0][i][lane]) + bias, softplus_on);
                    if (t0 + i >= ce) dt[j] = 0.f;
                    if (keep && t0 + i < ce) dt_row[static_cast<size_t>(t0 + i) * 32 + lane] = dt[j];
                }
                const float u = to_float(s.in[buf][1][i][lane]);
                dtu[j] = dt[j] * u;
                if constexpr (!SUMMARY) {
                    const float zf = to_float(s.in[buf][2][i][lane]);
                    gate[j] = has_z ? zf * sigmoid(zf) : 1.f;
                    du[j] = dskip * u;
                }
            }
            if (i0 == 0 && ckpt && t0 == next_ckpt) {  // the state before the tile's first step
                store_states16<T>(p.checkpoints, ckpt_off, h);
                next_ckpt += p.interval;
                ckpt_off += ckpt_stride;
            }
            // Phase 2: the recurrence.
#pragma unroll
            for (int j = 0; j < PH; ++j) {
                const int i = i0 + j;
                float bv[NS];
                load_row<NS>(&s.bc[buf][i][0], bv);
                if constexpr (SUMMARY) {
#pragma unroll
                    for (int k = 0; k < NS; ++k) {
                        h[k] = fmaf(fast_ex2(dt[j] * a2[k]), h[k], dtu[j] * bv[k]);
                    }
                    dsum += dt[j];
                } else {
                    float cv[NS];
                    load_row<NS>(&s.bc[buf][i][NS], cv);
                    float acc0 = du[j], acc1 = 0.f;  // y = (D u + C h) gate, summed in the reference's order
#pragma unroll
                    for (int k = 0; k < NS; ++k) {
                        h[k] = fmaf(fast_ex2(dt[j] * a2[k]), h[k], dtu[j] * bv[k]);
                        if (k % 2 == 0) {
                            acc0 = fmaf(cv[k], h[k], acc0);
                        } else {
                            acc1 = fmaf(cv[k], h[k], acc1);
                        }
                    }
                    s.y[i][lane] = from_float<T>((acc0 + acc1) * gate[j]);
                }
            }
        }
        if constexpr (!SUMMARY) {
            __syncwarp();  // the y tile is written
            for_tile_vectors(t0, [&](int st, int c, size_t off, bool ok) {
                if (ok) *reinterpret_cast<uint4*>(static_cast<T*>(p.y) + off) = *reinterpret_cast<const uint4*>(&s.y[st][c]);
            });
        }
    }

    if (SUMMARY || (chunk == 0 && p.first_len > 0)) {
        const size_t slot = chunk_slot(p, b, chunk);
#pragma unroll
        for (int k = 0; k < NS; ++k) p.chunk_state[(slot * p.channels + d) * NS + k] = h[k];
        p.chunk_dsum[slot * p.channels + d] = dsum;  // 0 for the main pass
    } else if (ce == p.length) {
        store_states16<T>(p.last_state, static_cast<size_t>(b) * p.channels * NS + state_off, h);
    }
    if (keep) {  // this chunk's piece of the last chunk
        const int ends = p.first_len > 0 ? 1 : 0;
        const int summarised = p.chunks - 1 - ends;
        const int ls = cpt_chunk_start<TS>(p, p.chunks - 1);
        const int piece = ((p.length - ls + summarised - 1) / summarised + TS - 1) / TS * TS;
        const int ks = ls + (chunk - ends) * piece;
        if (ks < p.length) keep_delta_prime<T>(p, dt_row, b, dw, lane, ks, min(p.length, ks + piece), softplus_on);
    }
}

// The channel-per-thread summary launch: with end chunks blockIdx.z 0 runs chunk 0's main pass (its
// start is known) and z > 0 summarises chunk z; without, z summarises chunk z.
template <class K>
__device__ __forceinline__ void cpt_summary_launch(const ScanParams& p, CptSmem<K, false>& smem) {
    let_dependents_launch();
    const int z = blockIdx.z;
    if (z == 0 && p.first_len > 0) {
        scan_forward_cpt<K, false, false>(p, smem, 0);
    } else {
        scan_forward_cpt<K, true, false>(p, smem, z);
    }
}

// The channel-per-thread main launch: chunk blockIdx.z, or with end chunks (chunk 0 ran in the
// summary launch) the last chunk first, whose blocks run longest, then chunks 1 on.
template <class K, bool KEPT>
__device__ __forceinline__ void cpt_main_launch(const ScanParams& p, CptSmem<K, KEPT>& smem) {
    const int z = blockIdx.z;
    scan_forward_cpt<K, false, KEPT>(p, smem, p.first_len == 0 ? z : z == 0 ? p.chunks - 1 : z);
}

template <class K, bool SUMMARY, bool KEPT>
__device__ __forceinline__ void cpt_launch(const ScanParams& p, CptSmem<K, KEPT>& smem) {
    if constexpr (SUMMARY) {
        cpt_summary_launch<K>(p, smem);
    } else {
        cpt_main_launch<K, KEPT>(p, smem);
    }
}

// Chains the chunk summaries, one thread per (batch, channel, state entry). Forward: the start
// state of every chunk after the first, from the initial state. Backward (from the end): the
// adjoint entering every chunk but the last, from the adjoint of the last state. The summaries of
// kChainBatch chunks are loaded before they are chained, so that their loads are in flight
// together instead of each waiting behind the previous chunk's store (32: the long rows' 66 links
// in three batches, 0.3 to 0.5% faster forwards than 8 on the H200, docs/cuda.md version 53).
template <typename T, bool BACKWARD>
__device__ void combine_chunks(const ScanParams& p) {
    constexpr int kChainBatch = 32;
    let_dependents_launch();
    wait_for_predecessor();  // the summaries
    const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
    if (i >= static_cast<size_t>(p.batch) * p.channels * p.state) return;
    const int n = i % p.state;
    const int d = (i / p.state) % p.channels;
    const int b = i / (static_cast<size_t>(p.state) * p.channels);
    const float a2 = load<T>(p.A, static_cast<size_t>(d) * p.state + n) * kLog2e;
    const int from_flag = BACKWARD ? kHasDLast : kHasH0;
    // forward with end chunks: chunk 0's summary is its end state from the initial state
    float h = (p.flags & from_flag) && (BACKWARD || p.first_len == 0) ? load<T>(BACKWARD ? p.d_last : p.h0, i) : 0.f;
    const int links = p.chunks - 1;  // link j chains chunk j (backward: chunks - 1 - j) into the next
    for (int j0 = 0; j0 < links; j0 += kChainBatch) {
        float dsum[kChainBatch], part[kChainBatch];
#pragma unroll
        for (int j = 0; j < kChainBatch; ++j) {
            const int link = min(j0 + j, links - 1);
            const size_t slot = chunk_slot(p, b, BACKWARD ? p.chunks - 1 - link : link);
            dsum[j] = p.chunk_dsum[slot * p.channels + d];
            part[j] = p.chunk_state[(slot * p.channels + d) * p.state + n];
        }
#pragma unroll
        for (int j = 0; j < kChainBatch; ++j) {
            const int link = j0 + j;
            if (link < links) {
                h = fmaf(fast_ex2(a2 * dsum[j]), h, part[j]);
                const size_t next = chunk_slot(p, b, BACKWARD ? p.chunks - 2 - link : link + 1);
                p.chunk_start[(next * p.channels + d) * p.state + n] = h;
            }
        }
    }
}

// ------------------------------------------------------------------------------------
// Backward
// ------------------------------------------------------------------------------------

template <class K>
struct BwdStage {
    float4 pre[K::TS][K::DT + 1];      // (delta', delta' * u, dout = dy * silu(z), dsoftplus), padded rows
    float u[K::TS][K::DT + 1];
    float dzf[K::TS][K::DT + 1];       // dy * silu'(z): dz = (output before the gate) * dzf
    __align__(16) float b[K::TS][K::NS];
    __align__(16) float c[K::TS][K::NS];
};

template <class K>
struct BwdSmem {
    // The staged inputs of a tile, in two buffers: the next tile is staged while this one is
    // worked on (the summary pass uses the first only).
    BwdStage<K> in[2];
    // Per step, (channel, state) slices of the recomputed states (hp[i] before step i, hp[TS]
    // after the tile) and of the adjoint of the state after each step. A step's slice is padded
    // by 16 floats so that the dB/dC sums, whose 16-byte reads cover two steps per quarter-warp,
    // hit disjoint banks.
    static constexpr int SLICE = K::DT * K::NS + 16;
    __align__(16) float hp[K::TS + 1][SLICE];
    __align__(16) float g[K::TS][SLICE];
    float du[K::TS][K::DT + 1];
    float dd[K::TS][K::DT + 1];
    float dz[K::TS][K::DT + 1];
    float bias[K::DT];
    float dskip[K::DT];
};

// One tile of the backward walk: interval c, tile sub inside it, first pass (states at the
// tile starts) or second pass (gradients).
struct BwdStep {
    int c, sub;
    bool second;
};

// The tiles of one chunk's intervals [c_lo, c_hi], from the last interval to the first.
template <class K>
struct BwdWalk {
    int length, interval, c_lo;
    __device__ int tiles(int c) const {
        const int cs = c * interval;
        return (min(length, cs + interval) - cs + K::TS - 1) / K::TS;
    }
    __device__ BwdStep first(int c) const { return BwdStep{c, 0, tiles(c) == 1}; }
    __device__ BwdStep next(const BwdStep& st) const {
        const int nt = tiles(st.c);
        if (!st.second) return st.sub + 2 < nt ? BwdStep{st.c, st.sub + 1, false} : BwdStep{st.c, nt - 1, true};
        if (st.sub > 0) return BwdStep{st.c, st.sub - 1, true};
        return st.c == c_lo ? BwdStep{-1, 0, true} : first(st.c - 1);
    }
    __device__ int t0(const BwdStep& st) const { return st.c * interval + st.sub * K::TS; }
};

// SUMMARY (launched for chunks 1 .. chunks-1): the adjoint that a zero adjoint at the chunk
// end carries to the state before the chunk, and the chunk's delta sum; nothing else.
template <class K, bool SUMMARY>
__device__ __forceinline__ void scan_backward(const ScanParams& p, BwdSmem<K>& s) {
    using T = typename K::T;
    const Place<K> at(p);
    const int chunk = SUMMARY ? blockIdx.z + 1 : blockIdx.z;  // the first chunk needs no summary
    const int cell = at.ch * K::NS + at.n0;  // this thread's entries in a step's slice of s.hp and s.g
    const int cs = chunk * p.chunk_len;
    const int ce = min(p.length, cs + p.chunk_len);
    const bool softplus_on = p.flags & kSoftplus;
    const bool has_z = p.flags & kHasZ;
    if constexpr (SUMMARY) let_dependents_launch();

    for (int i = threadIdx.x; i < K::DT; i += K::THREADS) {
        const bool ok = at.d0 + i < at.dend;
        s.bias[i] = (ok && (p.flags & kHasBias)) ? load<T>(p.delta_bias, at.d0 + i) : 0.f;
        s.dskip[i] = (ok && (p.flags & kHasD)) ? load<T>(p.D, at.d0 + i) : 0.f;
    }
    for (int i = threadIdx.x; i < K::TS * K::NS; i += K::THREADS) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            s.in[j].b[i / K::NS][i % K::NS] = 0.f;
            s.in[j].c[i / K::NS][i % K::NS] = 0.f;
        }
    }

    if constexpr (!SUMMARY) wait_for_predecessor();  // the combined adjoints
    float a2[K::NPT], av[K::NPT], q[K::NPT], dA_acc[K::NPT];
#pragma unroll
    for (int k = 0; k < K::NPT; ++k) {
        const int n = at.n0 + k;
        const bool ok = at.channel_ok && n < p.state;
        av[k] = ok ? load<T>(p.A, static_cast<size_t>(at.d) * p.state + n) : 0.f;
        a2[k] = av[k] * kLog2e;
        float q0 = 0.f;
        if (!SUMMARY && ok) {
            if (chunk + 1 < p.chunks) {
                q0 = p.chunk_start[(chunk_slot(p, at.b, chunk) * p.channels + at.d) * p.state + n];
            } else if (p.flags & kHasDLast) {
                q0 = load<T>(p.d_last, (static_cast<size_t>(at.b) * p.channels + at.d) * p.state + n);
            }
        }
        q[k] = q0;
        dA_acc[k] = 0.f;
    }
    float dD_acc = 0.f, dbias_acc = 0.f;

    const Sources<4> srcs_full{{p.u, p.delta, has_z ? p.z : nullptr, p.dy}};
    const Sources<4> srcs_light{{p.u, p.delta, nullptr, nullptr}};        // first pass
    const Sources<4> srcs_adjoint{{nullptr, p.delta, has_z ? p.z : nullptr, p.dy}};  // summary
    const void* const ptrs[] = {p.u, p.delta, p.dy, p.du, p.d_delta, p.B, p.C, has_z ? p.z : nullptr, has_z ? p.dz : nullptr};
    const bool vec = vector_path<K>(p, at, ptrs);

    int stage = 0;  // the buffer put and putBC write
    auto put = [&](int t, int c, const float (&v)[4], bool valid) {
        const float x = v[1] + s.bias[c];
        float dt = x, dsp = 1.f;
        if (softplus_on) dt = softplus_t<T>(x, &dsp);
        float dout = v[3], dzf = 0.f;
        if (has_z) {
            const float sg = sigmoid(v[2]);
            dout *= v[2] * sg;
            dzf = v[3] * sg * (1.f + v[2] * (1.f - sg));
        }
        if (!valid) {
            dt = 0.f;
            dout = 0.f;
        }
        BwdStage<K>& w = s.in[stage];
        w.pre[t][c] = make_float4(dt, dt * v[0], dout, dsp);
        w.u[t][c] = v[0];
        w.dzf[t][c] = dzf;
    };
    auto putBC = [&](int t, int n, float bv, float cv) {
        s.in[stage].b[t][n] = bv;
        s.in[stage].c[t][n] = cv;
    };

    if constexpr (SUMMARY) {
        TilePrefetch<K, 4> pre;
        const int ntiles = (ce - cs + K::TS - 1) / K::TS;
        float dsum = 0.f;
        if (vec) pre.load(srcs_adjoint, nullptr, p.C, p, at, cs + (ntiles - 1) * K::TS, ce);
        for (int j = ntiles - 1; j >= 0; --j) {
            const int t0 = cs + j * K::TS;
            __syncthreads();
            if (vec) {
                pre.unpack_to(p, t0, ce, put, putBC);
                if (j > 0) pre.load(srcs_adjoint, nullptr, p.C, p, at, t0 - K::TS, ce);
            } else {
                load_elementwise<K, 4>(srcs_adjoint, nullptr, p.C, p, at, t0, ce, put, putBC);
            }
            __syncthreads();
#pragma unroll
            for (int i = K::TS - 1; i >= 0; --i) {
                const float4 pr = s.in[0].pre[i][at.ch];
                float cv[K::NPT];
                load_row<K::NPT>(&s.in[0].c[i][at.n0], cv);
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    const float g = fmaf(pr.z, cv[k], q[k]);
                    q[k] = fast_ex2(pr.x * a2[k]) * g;
                }
                dsum += pr.x;
            }
        }
        if (at.channel_ok) {
            const size_t slot = chunk_slot(p, at.b, chunk);
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) {
                if (at.n0 + k < p.state) p.chunk_state[(slot * p.channels + at.d) * p.state + at.n0 + k] = q[k];
            }
            if (at.lane == 0) p.chunk_dsum[slot * p.channels + at.d] = dsum;
        }
        return;
    }

    const int nck = (p.length + p.interval - 1) / p.interval;
    const size_t ckpt_base = static_cast<size_t>(at.b) * nck * p.channels * p.state + static_cast<size_t>(at.d) * p.state;
    auto load_checkpoint = [&](int c, float (&h)[K::NPT]) {
        const size_t base = ckpt_base + static_cast<size_t>(c) * p.channels * p.state;
#pragma unroll
        for (int k = 0; k < K::NPT; ++k) {
            h[k] = (at.channel_ok && at.n0 + k < p.state) ? load<T>(p.checkpoints, base + at.n0 + k) : 0.f;
        }
    };
    // This thread's slots in the scratch buffer, one (channels, NS) slice per tile start.
    float* const scratch = p.scratch
        + ((chunk_slot(p, at.b, chunk) * p.scratch_tiles) * p.channels + at.d) * K::NS + at.n0;
    const size_t scratch_stride = static_cast<size_t>(p.channels) * K::NS;

    const BwdWalk<K> walk{p.length, p.interval, cs / p.interval};
    BwdStep cur = walk.first((ce - 1) / p.interval);
    TilePrefetch<K, 4> pre;
    auto prefetch = [&](const BwdStep& st) {
        const int t0 = walk.t0(st);
        const int tend = min(min(p.length, (st.c + 1) * p.interval), t0 + K::TS);
        if (st.second) {
            pre.load(srcs_full, p.B, p.C, p, at, t0, tend);
        } else {
            pre.load(srcs_light, p.B, nullptr, p, at, t0, tend);
        }
    };
    // Steps of the next interval inside a tile are masked out (delta' = 0, dout = 0): they are
    // identity steps for the state and pass the adjoint through unchanged.
    auto tile_end = [&](const BwdStep& st) { return min(min(p.length, (st.c + 1) * p.interval), walk.t0(st) + K::TS); };
    // Stages tile st into buffer `stage` and, on the vector path, starts loading the tile after it.
    auto stage_tile = [&](const BwdStep& st, const BwdStep& after) {
        if (vec) {
            pre.unpack_to(p, walk.t0(st), tile_end(st), put, putBC);
            if (after.c >= 0) prefetch(after);
        } else if (st.second) {
            load_elementwise<K, 4>(srcs_full, p.B, p.C, p, at, walk.t0(st), tile_end(st), put, putBC);
        } else {
            load_elementwise<K, 4>(srcs_light, p.B, nullptr, p, at, walk.t0(st), tile_end(st), put, putBC);
        }
    };
    if (vec) prefetch(cur);
    __syncthreads();  // bias, D and the zeroed B / C buffers are written
    stage_tile(cur, walk.next(cur));
    float h[K::NPT];
    for (int buf = 0; cur.c >= 0; buf ^= 1) {
        const int t0 = walk.t0(cur);
        const int tend = tile_end(cur);
        const BwdStep nxt = walk.next(cur);
        if (cur.sub == 0) {
            load_checkpoint(cur.c, h);
        } else if (cur.second) {
#pragma unroll
            for (int k = 0; k < K::NPT; ++k) h[k] = at.channel_ok ? scratch[(cur.sub - 1) * scratch_stride + k] : 0.f;
        }
        // The tile is staged in buf, and every thread is done with the previous tile (its
        // buffer, the states, adjoints and output tiles): stage the next tile there meanwhile.
        __syncthreads();
        if (nxt.c >= 0) {
            stage = buf ^ 1;
            stage_tile(nxt, walk.next(nxt));
        }
        const BwdStage<K>& in = s.in[buf];

        if (!cur.second) {
            // First pass: advance the state over this tile, keep it for the second pass.
#pragma unroll
            for (int i = 0; i < K::TS; ++i) {
                const float4 pr = in.pre[i][at.ch];
                float bv[K::NPT];
                load_row<K::NPT>(&in.b[i][at.n0], bv);
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    h[k] = fmaf(fast_ex2(pr.x * a2[k]), h[k], pr.y * bv[k]);
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
        // in the adjoint pass: an exp2 costs the same as a shared-memory round trip), and
        // with them dz, which needs the output before the gate (sum over the state of C * h).
#pragma unroll
        for (int grp = 0; grp < K::TS / K::NL; ++grp) {
            float part[K::NL];
#pragma unroll
            for (int j = 0; j < K::NL; ++j) {
                const int i = grp * K::NL + j;
                const float4 pr = in.pre[i][at.ch];
                float bv[K::NPT], cv[K::NPT];
                load_row<K::NPT>(&in.b[i][at.n0], bv);
                load_row<K::NPT>(&in.c[i][at.n0], cv);
                store_row<K::NPT>(&s.hp[i][cell], h);
                float acc = 0.f;
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    h[k] = fmaf(fast_ex2(pr.x * a2[k]), h[k], pr.y * bv[k]);
                    acc = fmaf(cv[k], h[k], acc);
                }
                part[j] = acc;
            }
            if (has_z) {
                reduce_scatter<K::NL, K::NL>(part, at.lane);
                const int t = grp * K::NL + at.lane;
                s.dz[t][at.ch] = (part[0] + s.dskip[at.ch] * in.u[t][at.ch]) * in.dzf[t][at.ch];
            }
        }
        store_row<K::NPT>(&s.hp[K::TS][cell], h);
        // 2: the adjoint, backwards in time, in groups of NL steps. q is the adjoint flowing
        // into the state from the later steps; g the full adjoint of the state after step i.
        // After each group the per-step sums over the state are finished (lane j gets step
        // grp * NL + j): the gradients of delta and u.
#pragma unroll 1
        for (int grp = K::TS / K::NL - 1; grp >= 0; --grp) {
            float sa[K::NL], sb[K::NL];
#pragma unroll
            for (int j = K::NL - 1; j >= 0; --j) {
                const int i = grp * K::NL + j;
                const float4 pr = in.pre[i][at.ch];
                float bv[K::NPT], cv[K::NPT], hv[K::NPT], gv[K::NPT];
                load_row<K::NPT>(&in.b[i][at.n0], bv);
                load_row<K::NPT>(&in.c[i][at.n0], cv);
                load_row<K::NPT>(&s.hp[i][cell], hv);
                float accA = 0.f, accB = 0.f;
#pragma unroll
                for (int k = 0; k < K::NPT; ++k) {
                    gv[k] = fmaf(pr.z, cv[k], q[k]);
                    const float ag = fast_ex2(pr.x * a2[k]) * gv[k];
                    const float x = ag * hv[k];
                    accA = fmaf(x, av[k], accA);
                    dA_acc[k] = fmaf(x, pr.x, dA_acc[k]);
                    accB = fmaf(gv[k], bv[k], accB);
                    q[k] = ag;
                }
                store_row<K::NPT>(&s.g[i][cell], gv);
                sa[j] = accA;
                sb[j] = accB;
            }
            reduce_scatter<K::NL, K::NL>(sa, at.lane);
            reduce_scatter<K::NL, K::NL>(sb, at.lane);
            const int t = grp * K::NL + at.lane;
            const float4 pr = in.pre[t][at.ch];
            const float uval = in.u[t][at.ch];
            const float ddelta = fmaf(uval, sb[0], sa[0]) * pr.w;
            s.du[t][at.ch] = fmaf(pr.x, sb[0], pr.z * s.dskip[at.ch]);
            s.dd[t][at.ch] = ddelta;
            if (t0 + t < tend) {
                dbias_acc += ddelta;
                dD_acc = fmaf(pr.z, uval, dD_acc);
            }
        }
        __syncthreads();
        {
            void* const dst[3] = {p.du, p.d_delta, has_z ? p.dz : nullptr};
            const float (*const tiles[3])[K::DT + 1] = {s.du, s.dd, s.dz};
            store_tiles<K, 3>(dst, tiles, p, at, t0, tend, vec);
        }
        // 4: dB[t][n] = sum over the block's channels of g * delta' * u, dC[t][n] = sum of
        // dout * h, four state entries per thread; one atomic per (step, state) and block.
        static_assert(K::NS % 4 == 0, "state entries per channel in quads");
        const int nvalid = at.dend - at.d0;
        for (int i = threadIdx.x; i < 2 * K::TS * (K::NS / 4); i += K::THREADS) {
            const bool isC = i >= K::TS * (K::NS / 4);
            const int t = (i / (K::NS / 4)) % K::TS;
            const int n = (i % (K::NS / 4)) * 4;
            if (t0 + t < tend && n < p.state) {
                // Two interleaved partial sums halve the dependent chain; a full tile is unrolled.
                float4 sum[2] = {make_float4(0.f, 0.f, 0.f, 0.f), make_float4(0.f, 0.f, 0.f, 0.f)};
                auto add = [&](int c, float4& acc) {
                    const float w = isC ? in.pre[t][c].z : in.pre[t][c].y;
                    const float4 v = *reinterpret_cast<const float4*>(isC ? &s.hp[t + 1][c * K::NS + n] : &s.g[t][c * K::NS + n]);
                    acc.x = fmaf(w, v.x, acc.x);
                    acc.y = fmaf(w, v.y, acc.y);
                    acc.z = fmaf(w, v.z, acc.z);
                    acc.w = fmaf(w, v.w, acc.w);
                };
                if (nvalid == K::DT) {
#pragma unroll
                    for (int c = 0; c < K::DT; ++c) add(c, sum[c & 1]);
                } else {
                    for (int c = 0; c < nvalid; ++c) add(c, sum[0]);
                }
                sum[0].x += sum[1].x;
                sum[0].y += sum[1].y;
                sum[0].z += sum[1].z;
                sum[0].w += sum[1].w;
                float* dst = (isC ? p.dC : p.dB) + ((static_cast<size_t>(at.b) * p.length + t0 + t) * p.groups + at.g) * p.state;
                const float part4[4] = {sum[0].x, sum[0].y, sum[0].z, sum[0].w};
#if __CUDA_ARCH__ >= 900
                // Hopper adds four floats with one vector reduction (a quarter of the atomics).
                if ((p.state & 3) == 0) {
                    asm volatile("red.global.add.v4.f32 [%0], {%1, %2, %3, %4};" :: "l"(dst + n),
                                 "f"(part4[0]), "f"(part4[1]), "f"(part4[2]), "f"(part4[3]) : "memory");
                    continue;
                }
#endif
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    if (n + e < p.state) atomicAdd(dst + n + e, part4[e]);
                }
            }
        }
        cur = nxt;
    }

    // Gradient of the initial state: the adjoint that flowed past step 0.
    if (chunk == 0 && (p.flags & kHasH0) && at.channel_ok) {
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
// Entry points. Names: ssm_scan_{fwd,fwdg,fwdsum,bwd,bwdsum}_{f32,bf16}_l<NL>_s<NPT>_c<DT>
// (fwd: the checkpoint interval is a multiple of 16; fwdg: any interval). Tiles are 32
// steps in the forward, 16 in the backward. Each kernel has a companion global
// <name>_info = {threads per block, channels per block, steps per tile, dynamic shared
// memory bytes, state entries per channel} that the launchers read from the module.
// ------------------------------------------------------------------------------------

#define SSM_FWD_TS 32
#define SSM_BWD_TS 16
// Threads per multiprocessor the register allocation is sized for (65536 / this = registers per thread).
#ifndef SSM_THREADS_PER_SM
#define SSM_THREADS_PER_SM 512
#endif

// Both directions take their shared memory dynamically (the wide shapes need more than 48 KB).
template <class K, bool SUMMARY> constexpr int fwd_smem_bytes() { return static_cast<int>(sizeof(FwdSmem<K, SUMMARY>)); }
template <class K> constexpr int bwd_smem_bytes() { return static_cast<int>(sizeof(BwdSmem<K>)); }

#define SSM_FWD(NAME, T, NL, NPT, DT, SUMMARY, GENERIC)                                   \
    extern "C" __global__ void __launch_bounds__(NL * DT, SSM_THREADS_PER_SM / (NL * DT))                \
    NAME(const ScanParams p) {                                                            \
        using K = Config<T, NL, NPT, DT, SSM_FWD_TS>;                                     \
        extern __shared__ __align__(16) unsigned char smem_raw[];                         \
        scan_forward<K, SUMMARY, GENERIC>(p, *reinterpret_cast<FwdSmem<K, SUMMARY>*>(smem_raw)); \
    }                                                                                     \
    extern "C" __device__ int NAME##_info[5] = {NL * DT, DT, SSM_FWD_TS,                  \
        fwd_smem_bytes<Config<T, NL, NPT, DT, SSM_FWD_TS>, SUMMARY>(), NL * NPT};

#define SSM_BWD(NAME, T, NL, NPT, DT, SUMMARY)                                            \
    extern "C" __global__ void __launch_bounds__(NL * DT, SSM_THREADS_PER_SM / (NL * DT))                \
    NAME(const ScanParams p) {                                                            \
        using K = Config<T, NL, NPT, DT, SSM_BWD_TS>;                                     \
        extern __shared__ __align__(16) unsigned char smem_raw[];                         \
        scan_backward<K, SUMMARY>(p, *reinterpret_cast<BwdSmem<K>*>(smem_raw));           \
    }                                                                                     \
    extern "C" __device__ int NAME##_info[5] = {NL * DT, DT, SSM_BWD_TS,                  \
        bwd_smem_bytes<Config<T, NL, NPT, DT, SSM_BWD_TS>>(), NL * NPT};

#define SSM_FORWARD_KINDS(TN, T, NL, NPT, DT)                                             \
    SSM_FWD(ssm_scan_fwd_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT, false, false)     \
    SSM_FWD(ssm_scan_fwdg_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT, false, true)     \
    SSM_FWD(ssm_scan_fwdsum_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT, true, false)

#define SSM_BACKWARD_KINDS(TN, T, NL, NPT, DT)                                            \
    SSM_BWD(ssm_scan_bwd_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT, false)            \
    SSM_BWD(ssm_scan_bwdsum_##TN##_l##NL##_s##NPT##_c##DT, T, NL, NPT, DT, true)

#define SSM_BOTH_TYPES(KINDS, NL, NPT, DT)                                                \
    KINDS(f32, float, NL, NPT, DT)                                                        \
    KINDS(bf16, __nv_bfloat16, NL, NPT, DT)

// The shapes org.ssm4j.kernels.cuda.LaunchPolicy picks: state <= 16 forward (4, 4, 32) and
// backward (8, 2, 16); state <= 32 and <= 64 (16, 2, 16) and (16, 4, 16) both ways.
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 4, 4, 32)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 8, 2, 16)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 16, 2, 16)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 16, 2, 16)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 16, 4, 16)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 16, 4, 16)

#ifdef SSM_TUNING_SHAPES
// Every direction of every shape, for bench/cuda/scan_bench.py --variants (nvcc -DSSM_TUNING_SHAPES).
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 4, 4, 32)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 4, 4, 16)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 4, 4, 16)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 8, 2, 16)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 16, 1, 16)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 16, 1, 16)
SSM_BOTH_TYPES(SSM_FORWARD_KINDS, 2, 8, 32)
SSM_BOTH_TYPES(SSM_BACKWARD_KINDS, 2, 8, 32)
#endif


// Forward kernels with one thread per channel (state 16), for rows that the shapes above would
// cut into chunks: ssm_scan_{fwd,fwdg,fwdk,fwdsum}_{f32,bf16}_l1_s16_c128 (fwd and fwdg are the
// same kernel; fwdk, the main pass reading the delta' that the summary pass kept; the checkpoint
// interval must be a multiple of the 8-step tile).
#define SSM_CPT_STEPS 8
#define SSM_FWD_CPT(NAME, T, DT, SUMMARY, KEPT)                                           \
    extern "C" __global__ void __launch_bounds__(DT, SSM_THREADS_PER_SM / DT)             \
    NAME(const ScanParams p) {                                                            \
        using K = CptConfig<T, DT / 32, SSM_CPT_STEPS>;                                   \
        extern __shared__ __align__(16) unsigned char smem_raw[];                         \
        cpt_launch<K, SUMMARY, KEPT>(p, *reinterpret_cast<CptSmem<K, KEPT>*>(smem_raw));  \
    }                                                                                     \
    extern "C" __device__ int NAME##_info[5] = {DT, DT, SSM_CPT_STEPS,                    \
        static_cast<int>(sizeof(CptSmem<CptConfig<T, DT / 32, SSM_CPT_STEPS>, KEPT>)), 16};
#define SSM_CPT_KINDS(TN, T, DT)                                                          \
    SSM_FWD_CPT(ssm_scan_fwd_##TN##_l1_s16_c##DT, T, DT, false, false)                    \
    SSM_FWD_CPT(ssm_scan_fwdg_##TN##_l1_s16_c##DT, T, DT, false, false)                   \
    SSM_FWD_CPT(ssm_scan_fwdk_##TN##_l1_s16_c##DT, T, DT, false, true)                    \
    SSM_FWD_CPT(ssm_scan_fwdsum_##TN##_l1_s16_c##DT, T, DT, true, false)
SSM_CPT_KINDS(f32, float, 128)
SSM_CPT_KINDS(bf16, __nv_bfloat16, 128)

#define SSM_COMBINE(TN, T)                                                                \
    extern "C" __global__ void ssm_scan_fwdcombine_##TN(const ScanParams p) { combine_chunks<T, false>(p); } \
    extern "C" __global__ void ssm_scan_bwdcombine_##TN(const ScanParams p) { combine_chunks<T, true>(p); }
SSM_COMBINE(f32, float)
SSM_COMBINE(bf16, __nv_bfloat16)

// fp32 accumulators to bfloat16 outputs.
extern "C" __global__ void ssm_f32_to_bf16(const float* src, __nv_bfloat16* dst, long long n) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        dst[i] = __float2bfloat16_rn(src[i]);
    }
}
