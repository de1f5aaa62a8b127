;; map + fold over a 1,000,000-element list: build (0 ... 999999), map
;; x -> x*x mod 1000 over it, fold + over the result (R6RS fold-left).
(define (square-mod x) (modulo (* x x) 1000))
(display (fold-left + 0 (map square-mod (iota 1000000))))
(newline)
