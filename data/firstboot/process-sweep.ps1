## p2vfix process sweep: prints the PIDs a timed-out step left behind, for the runner to kill.
## See src/firstboot/child-scripts.ts. Tags: src/firstboot/render-template.ts.
$root = [int]$env:P2VFIX_ROOT
$since = [string]$env:P2VFIX_SINCE
$session = [string]$env:P2VFIX_SESSION
$protected = '{{p2vfix:protectedNames}}'
$all = @(Get-WmiObject -Class Win32_Process -ErrorAction SilentlyContinue)
$created = @{}
foreach ($x in $all) { $created[[int]$x.ProcessId] = [string]$x.CreationDate }
$mine = @{}
$mine[$root] = $true
$pass = 0
while ($pass -lt 32) {
  $pass = $pass + 1
  $grew = $false
  foreach ($x in $all) {
    $id = [int]$x.ProcessId
    $parent = [int]$x.ParentProcessId
    if ($mine[$id] -or -not $mine[$parent] -or $id -eq $PID) { continue }
    if ($created[$parent] -and [string]$x.CreationDate -lt $created[$parent]) { continue }
    $mine[$id] = $true
    $grew = $true
  }
  if (-not $grew) { break }
}
foreach ($x in $all) {
  $id = [int]$x.ProcessId
  if ($mine[$id] -or $id -eq $PID) { continue }
  $name = ([string]$x.Name) -replace '\.exe$', ''
  if ($protected -contains $name.ToLower()) { continue }
  if ([string]$x.SessionId -ne $session) { continue }
  $when = [string]$x.CreationDate
  if ($when.Length -lt 14 -or $when.Substring(0, 14) -lt $since) { continue }
  $parent = [int]$x.ParentProcessId
  $parentGone = (-not $created[$parent]) -or ($created[$parent] -gt $when)
  if ($parentGone) { $mine[$id] = $true }
}
foreach ($id in @($mine.Keys)) { if ($id -ne $root) { Write-Output $id } }
exit 0
