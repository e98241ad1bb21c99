/* MEAN, DSP twin: when the reduced axes are outermost (a global average over time, or over height and
 * width), the input is `count` rows of the outputs; four outputs are summed per load in two int16 lane
 * pairs with SXTAB16, flushed to the int32 sums every 255 rows so a lane never holds more than 255 x 128.
 * The sums, and so the rescaled outputs, are the reference's. Other reductions take the reference loop. */
#include "dsp.h"
#include "mean.h"

static void sum_rows(const rt_mean_data_t *d, const int8_t *x, int32_t *sum) {
  const uint32_t n = d->n_out;
  const int32_t rows = d->count;
  uint32_t c = 0;
  for (; c + 4 <= n; c += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t r0 = 0; r0 < rows; r0 += 255) {
      const int32_t r1 = rows - r0 < 255 ? rows : r0 + 255;
      const int8_t *p = x + (uint32_t)r0 * n + c;
      int32_t s02 = 0, s13 = 0;
      for (int32_t r = r0; r < r1; r++, p += n) {
        int32_t v = rt_load32(p);
        s02 = RT_SXTAB16(s02, v);
        s13 = RT_SXTAB16_ROR8(s13, v);
      }
      a0 += (int16_t)s02;
      a1 += (int16_t)s13;
      a2 += s02 >> 16;
      a3 += s13 >> 16;
    }
    sum[c] = a0;
    sum[c + 1] = a1;
    sum[c + 2] = a2;
    sum[c + 3] = a3;
  }
  for (; c < n; c++) {
    int32_t a = 0;
    const int8_t *p = x + c;
    for (int32_t r = 0; r < rows; r++, p += n) a += *p;
    sum[c] = a;
  }
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_mean_data_t *d = node->data;
  const int8_t *x = rt_input(rt, node, 0)->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  int32_t *sum = node->scratch;
  if (rt_mean_empty(d, y)) return 0;
  if (d->rows) {
    sum_rows(d, x, sum);
  } else {
    memset(sum, 0, sizeof(int32_t) * d->n_out);
    rt_mean_sum_any(d, x, sum);
  }
  rt_mean_finish(d, sum, y);
  return 0;
}

RT_DEFINE_KERNEL(MEAN, 40, 0, rt_mean_prepare, eval);
