import { Controller, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FaceshardError, SHARD_ID_PATTERN } from '@faceshard/contracts';
import { RequiresRole } from '../access/requires-role.decorator';
import { ProfileService } from './profile.service';

@ApiTags('admin')
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Post('v1/admin/profile')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOperation({
    summary: 'Record a CPU profile (for `seconds`) or a heap snapshot of this gateway or of one shard; answers the file',
    description:
      'kind=cpu: a .cpuprofile (Chrome DevTools, speedscope); kind=heap: a .heapsnapshot (Chrome DevTools Memory tab). ' +
      'Without `shard`, this gateway process. One recording at a time per process: 409 PROFILER_BUSY otherwise.',
  })
  @ApiQuery({ name: 'kind', enum: ['cpu', 'heap'] })
  @ApiQuery({ name: 'seconds', required: false, description: 'kind=cpu only: 1..PROFILE_MAX_SECONDS (60)' })
  @ApiQuery({ name: 'shard', required: false, description: 'a ring member; absent: this gateway' })
  @ApiProduces('application/json')
  async record(@Query('kind') kind?: string, @Query('seconds') seconds?: string, @Query('shard') shard?: string): Promise<StreamableFile> {
    if (shard !== undefined && !SHARD_ID_PATTERN.test(shard)) throw new FaceshardError('VALIDATION_FAILED', 'shard is not a valid shard id');
    const profile = await this.profiles.record(this.profiles.readRequest({ kind, seconds }), shard);
    return new StreamableFile(profile.content, { type: 'application/json', disposition: `attachment; filename="${profile.fileName}"`, length: profile.bytes });
  }
}
