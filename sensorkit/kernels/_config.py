"""Compilation options shared by the kernels."""

#: LLVM fast-math flags that are safe here: reassociation (lets the per-row sums
#: vectorise), contraction (FMA), no-signed-zeros, reciprocal approximations are NOT
#: used; ``nnan``/``ninf`` are deliberately left out: NaN marks missing frames and
#: undefined COP, and must survive.
SAFE_FASTMATH = {"reassoc", "contract", "nsz"}
