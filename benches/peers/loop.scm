;; A 100,000,000-iteration named-let loop summing the loop index.
(define (sum-to n)
  (let loop ((i 0) (acc 0))
    (if (= i n)
        acc
        (loop (+ i 1) (+ acc i)))))
(display (sum-to 100000000))
(newline)
