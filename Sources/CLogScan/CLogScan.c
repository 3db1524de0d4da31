// The CLogScan target's searches are `static inline` in its header (inlined into the Swift
// scanners); this file gives the target its one translation unit.
#include "CLogScan.h"
