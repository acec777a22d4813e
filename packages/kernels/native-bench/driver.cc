// Interleaves one charlm training step's native calls (step.cc) of four builds in one process:
// the AVX2 and AVX-512 paths of a reference tree ("before") and of this tree ("after"). Prints
// each build's median process CPU time (all threads) and wall time per step and a few result values (equal values = the same
// bits). Built and run by run.sh.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
namespace old2 { double one_step(int, float*, double*); }
namespace new2 { double one_step(int, float*, double*); }
namespace old5 { double one_step(int, float*, double*); }
namespace new5 { double one_step(int, float*, double*); }
int main(int argc, char** argv) {
  const int H = argc > 1 ? atoi(argv[1]) : 512, rounds = argc > 2 ? atoi(argv[2]) : 6;
  const char* names[4] = {"avx2 before", "avx2 after", "avx512 before", "avx512 after"};
  double (*fn[4])(int, float*, double*) = {old2::one_step, new2::one_step, old5::one_step, new5::one_step};
  std::vector<double> ms[4], wall[4];
  double w;
  float check[4][3];
  for (int v = 0; v < 4; v++) fn[v](H, check[v], &w);  // untimed: allocation, first touch
  for (int r = 0; r < rounds; r++)
    for (int v = 0; v < 4; v++) {
      ms[v].push_back(fn[v](H, check[v], &w));
      wall[v].push_back(w);
    }
  for (int v = 0; v < 4; v++) {
    std::vector<double> x = ms[v];
    std::sort(x.begin(), x.end());
    std::sort(wall[v].begin(), wall[v].end());
    printf("H=%d %-14s median %.0f ms CPU (min %.0f, max %.0f), wall %.0f ms  loss %.6f dU2[7] %.9g dW1[3] %.9g\n", H, names[v],
           x[x.size() / 2], x[0], x.back(), wall[v][x.size() / 2], check[v][0], check[v][1], check[v][2]);
  }
}
