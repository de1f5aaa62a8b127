-- A 100,000,000-iteration loop summing the loop index. LuaJIT 2.1 numbers
-- are doubles; the sum (about 5e15) stays below 2^53, so it is exact, but
-- print() would show it as 4.99999995e+15, hence %d.
local function sum_to(n)
  local acc = 0
  for i = 0, n - 1 do
    acc = acc + i
  end
  return acc
end
print(string.format("%d", sum_to(100000000)))
