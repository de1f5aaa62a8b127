-- Mandelbrot: iteration counts summed over 1920x1080 pixels, max 100
-- iterations (the algorithm of benches/programs/mandelbrot.fl).
local function mandelbrot(x, y, max_iter)
  local zr, zi, i = 0.0, 0.0, 0
  while not (i >= max_iter or zr * zr + zi * zi > 4.0) do
    zr, zi, i = zr * zr - zi * zi + x, 2.0 * zr * zi + y, i + 1
  end
  return i
end

local function render(width, height)
  local total = 0
  for py = 0, height - 1 do
    local y = 2.0 * (py / height) - 1.0
    for px = 0, width - 1 do
      local x = 3.0 * (px / width) - 2.0
      total = total + mandelbrot(x, y, 100)
    end
  end
  return total
end

print(render(1920, 1080))
