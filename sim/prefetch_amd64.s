#include "textflag.h"

// func prefetchLines(p unsafe.Pointer, n int)
//
// PREFETCHT0 asks for the n cache lines from p into every level of the
// cache and does not wait for them; n <= 0 asks for none.
TEXT ·prefetchLines(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ  p+0(FP), AX
	MOVQ  n+8(FP), CX
	TESTQ CX, CX
	JLE   done

next:
	PREFETCHT0 (AX)
	ADDQ       $64, AX
	DECQ       CX
	JNZ        next

done:
	RET
