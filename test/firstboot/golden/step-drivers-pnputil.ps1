$root = Join-Path $env:SystemRoot 'Drivers\p2vfix'
if (-not (Test-Path $root)) { Write-Output 'no staged drivers'; exit 0 }
$failed = 0
foreach ($inf in @(Get-ChildItem -Path $root -Recurse -Filter *.inf)) {
  & pnputil.exe -i -a $inf.FullName | Out-String | Write-Output
  if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010) { $failed++ }
}
exit $failed