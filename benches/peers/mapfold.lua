-- map + fold over a 1,000,000-element list (a Lua array table): build
-- {0 ... 999999}, map x -> x*x mod 1000 over it, fold + over the result.
local function map(f, xs)
  local ys = {}
  for i = 1, #xs do ys[i] = f(xs[i]) end
  return ys
end

local function fold(f, acc, xs)
  for i = 1, #xs do acc = f(acc, xs[i]) end
  return acc
end

local function square_mod(x) return (x * x) % 1000 end
local function add(a, b) return a + b end

local xs = {}
for i = 0, 999999 do xs[i + 1] = i end
print(string.format("%d", fold(add, 0, map(square_mod, xs))))
