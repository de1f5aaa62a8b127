;; Mandelbrot: iteration counts summed over 1920x1080 pixels, max 100
;; iterations (the algorithm of benches/programs/mandelbrot.fl).
(define mandelbrot (lambda (x y max-iter)
  (let loop ((zr 0.0) (zi 0.0) (i 0))
    (if (or (>= i max-iter)
            (> (+ (* zr zr) (* zi zi)) 4.0))
        i
        (loop (+ (- (* zr zr) (* zi zi)) x)
              (+ (* 2.0 zr zi) y)
              (+ i 1))))))

(define (render-mandelbrot width height)
  (let rows ((py 0) (total 0))
    (if (= py height)
        total
        (let ((y (- (* 2.0 (/ (exact->inexact py) height)) 1.0)))
          (let cols ((px 0) (total total))
            (if (= px width)
                (rows (+ py 1) total)
                (let ((x (- (* 3.0 (/ (exact->inexact px) width)) 2.0)))
                  (cols (+ px 1) (+ total (mandelbrot x y 100))))))))))

(display (render-mandelbrot 1920 1080))
(newline)
