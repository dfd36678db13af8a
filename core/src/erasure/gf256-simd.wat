;; GF(256) matrix × blocks kernel for Reed-Solomon, WebAssembly SIMD (v128).
;; Compiled by core/scripts/build-wasm.mjs (`npm run wasm`) into gf256-simd.wasm.ts.
;;
;; The one operation: for every output row r and byte position i,
;;     out_r[i] = XOR over j < k of c[r][j] · in_j[i]        (multiplication in GF(256))
;;
;; Split-nibble multiplication: a byte x is (x & 0x0f) XOR (x & 0xf0) and multiplying by a constant
;; c distributes over XOR, so c·x = c·lo(x) XOR c·(hi(x) << 4). Each half takes only 16 values, so
;; two 16-byte tables per coefficient (LO[t] = c·t, HI[t] = c·(t << 4)) and two i8x16.swizzle
;; lookups multiply 16 bytes at once. The indices are always 0..15, so swizzle's "out of range
;; gives 0" rule never applies.
;;
;; Memory protocol (the TypeScript wrapper, wasm-kernel.ts, owns the layout):
;;  * inputs:  k blocks at $inputs + j·$stride; outputs: m blocks at $outputs + r·$stride.
;;  * $len is a multiple of 16: the wrapper zero-pads every input up to it, and reads back only
;;    the bytes it needs from the outputs, so there is no scalar tail here.
;;  * tables: 32 bytes per coefficient (LO then HI). Rows are taken in groups, greedily: as many
;;    groups of 4 as fit, then one group of the 3, 2 or 1 rows that remain. Within a group the
;;    tables are ordered column-major, [j][row in group], so the group's tables for input j sit
;;    together and one pointer with constant offsets reaches them all.
;;
;; Why groups: each input vector is loaded and split into nibbles once and then serves every row of
;; the group, whose accumulators stay in registers until the position is finished (4 rows keep x64's
;; 16 vector registers busy without spilling). Positions are walked in chunks of 4 KiB so that the k
;; input chunks stay in L1 while each group of rows reads them again.
(module
  (memory (export "memory") 1)

  (global $CHUNK i32 (i32.const 4096))

  ;; One group of 4 output rows over positions [0, $len) of the current chunk.
  (func $rows4 (param $tab i32) (param $in i32) (param $stride i32) (param $k i32) (param $out i32)
               (param $len i32)
    (local $pos i32) (local $p i32) (local $t i32) (local $j i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (block $done
      (loop $position
        (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
        (local.set $p (i32.add (local.get $in) (local.get $pos)))
        (local.set $t (local.get $tab))
        (local.set $j (local.get $k))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0))
        (loop $column
          (local.set $x (v128.load (local.get $p)))
          (local.set $lo (v128.and (local.get $x) (local.get $mask)))
          ;; A 16-bit shift plus the mask is cheaper on x64 than i8x16.shr_u, which has no native
          ;; instruction and rebuilds its own mask each time.
          (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor
            (i8x16.swizzle (v128.load offset=64 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=80 (local.get $t)) (local.get $hi)))))
          (local.set $a3 (v128.xor (local.get $a3) (v128.xor
            (i8x16.swizzle (v128.load offset=96 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=112 (local.get $t)) (local.get $hi)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $t (i32.add (local.get $t) (i32.const 128)))
          (br_if $column (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $pos)))
        (v128.store (local.get $o) (local.get $a0))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a1))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a2))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a3))
        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (br $position))))

  (func $rows3 (param $tab i32) (param $in i32) (param $stride i32) (param $k i32) (param $out i32)
               (param $len i32)
    (local $pos i32) (local $p i32) (local $t i32) (local $j i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (block $done
      (loop $position
        (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
        (local.set $p (i32.add (local.get $in) (local.get $pos)))
        (local.set $t (local.get $tab))
        (local.set $j (local.get $k))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0))
        (loop $column
          (local.set $x (v128.load (local.get $p)))
          (local.set $lo (v128.and (local.get $x) (local.get $mask)))
          (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor
            (i8x16.swizzle (v128.load offset=64 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=80 (local.get $t)) (local.get $hi)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $t (i32.add (local.get $t) (i32.const 96)))
          (br_if $column (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $pos)))
        (v128.store (local.get $o) (local.get $a0))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a1))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a2))
        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (br $position))))

  (func $rows2 (param $tab i32) (param $in i32) (param $stride i32) (param $k i32) (param $out i32)
               (param $len i32)
    (local $pos i32) (local $p i32) (local $t i32) (local $j i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (block $done
      (loop $position
        (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
        (local.set $p (i32.add (local.get $in) (local.get $pos)))
        (local.set $t (local.get $tab))
        (local.set $j (local.get $k))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (loop $column
          (local.set $x (v128.load (local.get $p)))
          (local.set $lo (v128.and (local.get $x) (local.get $mask)))
          (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $t (i32.add (local.get $t) (i32.const 64)))
          (br_if $column (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $pos)))
        (v128.store (local.get $o) (local.get $a0))
        (v128.store (i32.add (local.get $o) (local.get $stride)) (local.get $a1))
        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (br $position))))

  (func $rows1 (param $tab i32) (param $in i32) (param $stride i32) (param $k i32) (param $out i32)
               (param $len i32)
    (local $pos i32) (local $p i32) (local $t i32) (local $j i32)
    (local $mask v128) (local $x v128) (local $a0 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (block $done
      (loop $position
        (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
        (local.set $p (i32.add (local.get $in) (local.get $pos)))
        (local.set $t (local.get $tab))
        (local.set $j (local.get $k))
        (local.set $a0 (v128.const i64x2 0 0))
        (loop $column
          (local.set $x (v128.load (local.get $p)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t))
              (v128.and (local.get $x) (local.get $mask)))
            (i8x16.swizzle (v128.load offset=16 (local.get $t))
              (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $t (i32.add (local.get $t) (i32.const 32)))
          (br_if $column (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (v128.store (i32.add (local.get $out) (local.get $pos)) (local.get $a0))
        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (br $position))))

  ;; out_r = Σ_j c[r][j] · in_j for r < $m, over $len bytes (a multiple of 16); 1 ≤ $k, 1 ≤ $m.
  (func (export "multiply") (param $tables i32) (param $inputs i32) (param $k i32) (param $outputs i32)
                            (param $m i32) (param $stride i32) (param $len i32)
    (local $pos i32) (local $n i32) (local $r i32) (local $t i32) (local $rest i32) (local $in i32)
    (local $out i32)
    (block $all_done
      (loop $chunk
        (br_if $all_done (i32.ge_u (local.get $pos) (local.get $len)))
        (local.set $n (i32.sub (local.get $len) (local.get $pos)))
        (if (i32.gt_u (local.get $n) (global.get $CHUNK))
          (then (local.set $n (global.get $CHUNK))))
        (local.set $in (i32.add (local.get $inputs) (local.get $pos)))
        (local.set $out (i32.add (local.get $outputs) (local.get $pos)))
        (local.set $t (local.get $tables))
        (local.set $r (i32.const 0))
        (block $fours_done
          (loop $fours
            (br_if $fours_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $m)))
            (call $rows4 (local.get $t) (local.get $in) (local.get $stride) (local.get $k)
              (local.get $out) (local.get $n))
            (local.set $t (i32.add (local.get $t) (i32.shl (local.get $k) (i32.const 7))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $stride) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $fours)))
        (local.set $rest (i32.sub (local.get $m) (local.get $r)))
        (if (i32.eq (local.get $rest) (i32.const 3))
          (then (call $rows3 (local.get $t) (local.get $in) (local.get $stride) (local.get $k)
            (local.get $out) (local.get $n))))
        (if (i32.eq (local.get $rest) (i32.const 2))
          (then (call $rows2 (local.get $t) (local.get $in) (local.get $stride) (local.get $k)
            (local.get $out) (local.get $n))))
        (if (i32.eq (local.get $rest) (i32.const 1))
          (then (call $rows1 (local.get $t) (local.get $in) (local.get $stride) (local.get $k)
            (local.get $out) (local.get $n))))
        (local.set $pos (i32.add (local.get $pos) (local.get $n)))
        (br $chunk))))
)
