// What bounds the channel-per-thread forward's step loop on a GPU: a microbenchmark.
//
// Every kernel runs 4 blocks of 128 threads on every SM (the forward's occupancy: 16 warps per SM)
// and times ITER steps per thread. The table gives SM cycles per warp and step (elapsed time times
// the SM clock, over the warp-steps one SM runs) and, where the kernel uses the special-function
// unit, that unit's floor (2 SM cycles per warp instruction at 16 results per clock and SM) and the
// share of it reached.
//
// Part 1, the unit and broadcast shared-memory loads alone and together: loads of 4, 8 or 16 bytes
// that every lane of the warp reads from the same address (as the forward reads its B and C rows),
// ex2.approx, and both in one loop (do they queue behind each other?).
//
// Part 2, a model of the two passes' step loops without their tiles: per step the B row (and for
// the main pass the C row) read from shared memory with 16-byte broadcast loads, and for each of 16
// state entries ex2(delta * A), h = a * h + delta * u * B (and y += C * h); plus E more ex2 per step
// (the main pass has 4: softplus and gate, the summary 2) and F independent FMA-pipe operations per
// step, the stand-in for the per-step and per-tile work of the real kernels. How much of the unit's
// floor the loop reaches as F grows says what each further instruction per step costs.
//
//   nvcc -O3 -arch sm_90 -o step_loop_microbench step_loop_microbench.cu && ./step_loop_microbench
#include <cstdio>
#include <cuda_runtime.h>

namespace {

constexpr int kIter = 4096;           // steps per thread
constexpr int kThreads = 128;         // threads per block
constexpr int kBlocksPerSm = 4;       // blocks per SM: 16 warps, as the forward
constexpr double kEx2Cycles = 2.0;    // SM cycles per warp-wide ex2 at 16 results per clock and SM

// ex2 as the kernels issue it (the compiler may move it), and kept in program order with the
// part-1 loads (whose asm is volatile so that they are not merged).
__device__ __forceinline__ float ex2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}
__device__ __forceinline__ float ex2_in_order(float x) {
    float y;
    asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// Part 1: per step NL broadcast loads of W floats each and NE ex2.
template <int W, int NL, int NE>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) loads_and_ex2(float* out, float seed) {
    __shared__ __align__(16) float sm[4096];
    for (int i = threadIdx.x; i < 4096; i += kThreads) sm[i] = i * 1e-4f;
    __syncthreads();
    float acc[8] = {}, e[8];
    for (int j = 0; j < 8; ++j) e[j] = seed * (j + threadIdx.x);
    for (int it = 0; it < kIter; ++it) {
        const int base = (it * 32) & 4095;  // the same address for the whole warp
#pragma unroll
        for (int l = 0; l < NL; ++l) {
            const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(&sm[(base + W * l) & 4095]));
            if constexpr (W == 4) {
                float x, y, z, w;
                asm volatile("ld.shared.v4.f32 {%0,%1,%2,%3}, [%4];" : "=f"(x), "=f"(y), "=f"(z), "=f"(w) : "r"(a));
                acc[l % 8] += (x + y) + (z + w);
            } else if constexpr (W == 2) {
                float x, y;
                asm volatile("ld.shared.v2.f32 {%0,%1}, [%2];" : "=f"(x), "=f"(y) : "r"(a));
                acc[l % 8] += x + y;
            } else {
                float x;
                asm volatile("ld.shared.f32 %0, [%1];" : "=f"(x) : "r"(a));
                acc[l % 8] += x;
            }
        }
#pragma unroll
        for (int k = 0; k < NE; ++k) e[k % 8] = ex2_in_order(e[k % 8] * -0.999f);
    }
    float s = 0.f;
    for (int j = 0; j < 8; ++j) s += acc[j] + e[j];
    out[blockIdx.x * kThreads + threadIdx.x] = s;
}

// Part 2: the step loop of the main pass (C rows and y) or of the summary pass, 8-step tiles.
template <int E, int F, bool MAIN>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) step_loop(float* out, float seed) {
    __shared__ __align__(16) float rows[2][8][32];  // B (0-15) and C (16-31) per step, two tiles
    for (int i = threadIdx.x; i < 512; i += kThreads) (&rows[0][0][0])[i] = 1e-3f * (i % 97);
    __syncthreads();
    float h[16], a2[16];
    for (int k = 0; k < 16; ++k) {
        h[k] = 0.f;
        a2[k] = -0.1f * (k + 1) - seed * threadIdx.x;
    }
    float y = 0.f, w[4] = {seed, seed, seed, seed};
    const float dt0 = seed * 0.5f, u = seed;
    for (int it = 0; it < kIter; it += 8) {
        const int buf = (it >> 3) & 1;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            float dt = dt0 + 1e-3f * i;
#pragma unroll
            for (int e = 0; e < E; ++e) dt = dt * 0.5f + ex2(dt * -1.4f);
#pragma unroll
            for (int f = 0; f < F; ++f) w[f % 4] = fmaf(w[f % 4], 0.999f, dt + f);
            const float dtu = dt * u;
            float bv[16], cv[16];
            const float4* row = reinterpret_cast<const float4*>(&rows[buf][i][0]);
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const float4 v = row[j];
                bv[4 * j] = v.x, bv[4 * j + 1] = v.y, bv[4 * j + 2] = v.z, bv[4 * j + 3] = v.w;
                if constexpr (MAIN) {
                    const float4 c = row[4 + j];
                    cv[4 * j] = c.x, cv[4 * j + 1] = c.y, cv[4 * j + 2] = c.z, cv[4 * j + 3] = c.w;
                }
            }
            float acc0 = 0.f, acc1 = 0.f;
#pragma unroll
            for (int k = 0; k < 16; ++k) {
                h[k] = fmaf(ex2(dt * a2[k]), h[k], dtu * bv[k]);
                if constexpr (MAIN) {
                    if (k % 2 == 0) {
                        acc0 = fmaf(cv[k], h[k], acc0);
                    } else {
                        acc1 = fmaf(cv[k], h[k], acc1);
                    }
                }
            }
            y += acc0 + acc1;
        }
        __syncwarp();
    }
    float s = y + w[0] + w[1] + w[2] + w[3];
    for (int k = 0; k < 16; ++k) s += h[k];
    out[blockIdx.x * kThreads + threadIdx.x] = s;
}

struct Device {
    int sms;
    int clock_khz;
    float* out;
};

// Times one kernel (10 launches after a warm-up) and prints its row.
template <typename Kernel>
void time_row(const Device& dev, const char* name, Kernel kernel, int ex2_per_step) {
    const dim3 grid(dev.sms * kBlocksPerSm);
    kernel<<<grid, kThreads>>>(dev.out, 0.5f);
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    cudaEventRecord(start);
    for (int r = 0; r < 10; ++r) kernel<<<grid, kThreads>>>(dev.out, 0.5f);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0.f;
    cudaEventElapsedTime(&ms, start, stop);
    ms /= 10;
    const double warp_steps_per_sm = kBlocksPerSm * (kThreads / 32.0) * kIter;
    const double cycles = ms * 1e-3 * dev.clock_khz * 1e3 / warp_steps_per_sm;
    if (ex2_per_step > 0) {
        const double floor = ex2_per_step * kEx2Cycles;
        printf("| %-44s | %7.3f | %6.2f | %6.2f | %4.0f%% |\n", name, ms, cycles, floor, 100.0 * floor / cycles);
    } else {
        printf("| %-44s | %7.3f | %6.2f |        |       |\n", name, ms, cycles);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
}

}  // namespace

int main() {
    Device dev{};
    cudaDeviceGetAttribute(&dev.sms, cudaDevAttrMultiProcessorCount, 0);
    cudaDeviceGetAttribute(&dev.clock_khz, cudaDevAttrClockRate, 0);
    if (cudaMalloc(&dev.out, dev.sms * kBlocksPerSm * kThreads * sizeof(float)) != cudaSuccess) {
        fprintf(stderr, "no CUDA device\n");
        return 1;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    printf("%s, %d SMs, clock %d MHz; %d blocks of %d threads per SM, %d steps per thread\n\n", prop.name, dev.sms,
           dev.clock_khz / 1000, kBlocksPerSm, kThreads, kIter);
    printf("| per step | ms | SM cycles per warp-step | ex2 floor | of floor |\n|---|---|---|---|---|\n");
    time_row(dev, "8 broadcast 16-byte loads", loads_and_ex2<4, 8, 0>, 0);
    time_row(dev, "16 broadcast 8-byte loads", loads_and_ex2<2, 16, 0>, 0);
    time_row(dev, "32 broadcast 4-byte loads", loads_and_ex2<1, 32, 0>, 0);
    time_row(dev, "20 ex2", loads_and_ex2<4, 0, 20>, 20);
    time_row(dev, "8 broadcast 16-byte loads + 20 ex2", loads_and_ex2<4, 8, 20>, 20);
    time_row(dev, "16 broadcast 8-byte loads + 20 ex2", loads_and_ex2<2, 16, 20>, 20);
    time_row(dev, "4 broadcast 16-byte loads + 18 ex2", loads_and_ex2<4, 4, 18>, 18);
    time_row(dev, "main-pass loop, 4 more ex2", step_loop<4, 0, true>, 20);
    time_row(dev, "main-pass loop, 4 more ex2, 10 FMA-pipe ops", step_loop<4, 10, true>, 20);
    time_row(dev, "main-pass loop, 4 more ex2, 20 FMA-pipe ops", step_loop<4, 20, true>, 20);
    time_row(dev, "main-pass loop, 4 more ex2, 30 FMA-pipe ops", step_loop<4, 30, true>, 20);
    time_row(dev, "main-pass loop, 4 more ex2, 40 FMA-pipe ops", step_loop<4, 40, true>, 20);
    time_row(dev, "summary loop, 2 more ex2", step_loop<2, 0, false>, 18);
    time_row(dev, "summary loop, 2 more ex2, 10 FMA-pipe ops", step_loop<2, 10, false>, 18);
    time_row(dev, "summary loop, 2 more ex2, 20 FMA-pipe ops", step_loop<2, 20, false>, 18);
    time_row(dev, "summary loop, 2 more ex2, 30 FMA-pipe ops", step_loop<2, 30, false>, 18);
    const cudaError_t err = cudaDeviceSynchronize();
    if (err != cudaSuccess) {
        fprintf(stderr, "CUDA error: %s\n", cudaGetErrorString(err));
        return 1;
    }
    return 0;
}
