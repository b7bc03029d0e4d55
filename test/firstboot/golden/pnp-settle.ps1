$deadline = (Get-Date).AddSeconds([int]$env:P2VFIX_SETTLE)
$last = -1
$stable = 0
while ((Get-Date) -lt $deadline) {
  $count = @(Get-WmiObject -Class Win32_PnPEntity -ErrorAction SilentlyContinue).Count
  $installing = @(Get-Process -Name drvinst -ErrorAction SilentlyContinue).Count
  if ($count -eq $last -and $installing -eq 0) { $stable = $stable + 1 } else { $stable = 0 }
  $last = $count
  if ($stable -ge 3) { exit 0 }
  Start-Sleep -Seconds 5
}
exit 2