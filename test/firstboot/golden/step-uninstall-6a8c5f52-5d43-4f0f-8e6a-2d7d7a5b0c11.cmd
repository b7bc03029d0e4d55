@echo off
echo running: MsiExec.exe /X{6A8C5F52-5D43-4F0F-8E6A-2D7D7A5B0C11} /qn /norestart
MsiExec.exe /X{6A8C5F52-5D43-4F0F-8E6A-2D7D7A5B0C11} /qn /norestart
set rc=%ERRORLEVEL%
if "%rc%"=="1605" exit /b 0
exit /b %rc%