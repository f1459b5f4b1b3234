// Streaming read bandwidth: the ceiling for single-stream CPU decode (every step reads all
// weights once). Build and run:  gcc -O2 -mavx512f -fopenmp bench/memory_bandwidth.c -o /tmp/bw
//   OMP_NUM_THREADS=2 /tmp/bw
#include <stdio.h>
#include <stdlib.h>
#include <omp.h>
#include <immintrin.h>
int main(){ size_t n = (size_t)1<<28; float *a = aligned_alloc(64, n*4); for(size_t i=0;i<n;i++) a[i]=1.0f;
 for (int rep=0; rep<3; rep++){ double t=omp_get_wtime(); float s=0;
 #pragma omp parallel for reduction(+:s)
 for(size_t i=0;i<n;i+=16){ __m512 v=_mm512_load_ps(a+i); s+=_mm512_reduce_add_ps(v);} 
 double dt=omp_get_wtime()-t; printf("threads %d: %.2f GB/s (%g)\n", omp_get_max_threads(), n*4/dt/1e9, s);} }
